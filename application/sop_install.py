"""Installing an office's SOP document from the chat (administrators, `/impor_sop`).

The administrator asks to import (`ask_for_document`), sends the file (`receive_document`):
the bot reads it (`application.sop_import`), keeps the file in the document store, and
answers with the steps as a table, the report, and the uncertain points one by one as
questions with buttons (`answer`, or `accept_rest` to take the remaining proposals). The
draft — the proposed definition and its questions — waits in the administrator's pending
input. `install` validates it and writes it into the deployment's SOP directory (the first
of KINERJA_SOP_DIR), which the catalog reads on every use, so /mulai offers it at once; an
SOP of the same name is replaced only after the administrator said so on a second button.
The installed file says who installed it, when and from which document; the office's other
administrators are told.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime
from typing import Any

from application.context import PROMPT_TTL, AppContext
from application.pending_kinds import AWAIT_SOP_DOCUMENT, HOLD_SOP_DRAFT
from application.sop_import import import_document, report_text, write_definition
from application.sop_readers import UnreadableDocument
from application.texts import reply, text, to_person
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing, PendingInput
from workflow.catalog import SHIPPED
from workflow.errors import Refused
from workflow.model import Person
from workflow.sop_import import Proposal
from workflow.sop_import.questions import NO, YES, NotAnAnswer, Question, answer, applies
from workflow.sop_import.questions import questions as questions_of
from workflow.spec import DefinitionError, parse_definition

log = logging.getLogger(__name__)

ANSWER, REST, INSTALL, CANCEL = "sop_answer", "sop_rest", "sop_install", "sop_cancel"
TITLE_WIDTH = 48  # characters of a step's title in the table (a phone's line or two)


def _check_admin(ctx: AppContext, person: Person) -> None:
    """Only an administrator installs SOPs, and only where the deployment has a directory."""
    if not person.is_admin:
        raise Refused("not_admin")
    folder = ctx.sops.install_dir()
    if folder is None:
        raise Refused("sop_dir_missing")
    if not os.access(folder, os.W_OK):
        raise Refused("sop_dir_unwritable", folder=str(folder))


def _send(person: Person, body: str, rows: list[list[dict[str, str]]] | None = None) -> Outgoing:
    """A text (with buttons) for one person."""
    return to_person(person, "text", text(body, rows))


async def ask_for_document(ctx: AppContext, person: Person) -> None:
    """/impor_sop: wait for the SOP document; say which SOPs the deployment runs now."""
    _check_admin(ctx, person)
    current = [
        {
            "name": name,
            "title": ctx.sops.load(name).spec.title,
            "shipped": ctx.sops.origin(name) == SHIPPED,
        }
        for name in ctx.sops.names()
    ]

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        await uow.messaging.set_pending(person.id, AWAIT_SOP_DOCUMENT, now, PROMPT_TTL)
        await uow.messaging.enqueue(reply(person, "sop_import_prompt", sops=current), now)
        await uow.commit()

    await ctx.execute(act)


async def receive_document(ctx: AppContext, person: Person, data: bytes, name: str) -> None:
    """The SOP document: read it; a draft with its table and first question, or the report
    of what could not be determined (then the next file is awaited again)."""
    _check_admin(ctx, person)
    name = _one_line(name) or "sop"
    try:
        report = import_document(data, name)
    except UnreadableDocument as exc:
        raise Refused("sop_unreadable", reason=exc.reason) from None
    stored = await ctx.files.put(data)  # the document itself is kept, whatever comes of it
    proposal = report.proposal
    lang = person.language

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        if proposal.blocking:
            await uow.messaging.set_pending(person.id, AWAIT_SOP_DOCUMENT, now, PROMPT_TTL)
            await uow.messaging.enqueue(_send(person, report_text(report, lang)), now)
            await uow.commit()
            return
        draft: dict[str, Any] = {
            "id": secrets.token_hex(6),
            "source": name,
            "sha256": stored.sha256,
            "definition": proposal.definition,
            "questions": [q.plain() for q in questions_of(proposal)],
            "at": 0,
        }
        table = render("sop_draft", lang, **_table(draft["definition"]), source=name)
        await uow.messaging.enqueue(_send(person, table), now)
        await uow.messaging.enqueue(_send(person, report_text(report, lang)), now)
        await _next(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)
    log.info("SOP document %s read for %s (%d steps)", name, person.id, report.steps)


async def _draft(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, draft_id: str
) -> dict[str, Any]:
    """The person's draft of this id (a button of another or an ended draft is refused)."""
    pending: PendingInput | None = await uow.messaging.pending(person.id, ctx.clock())
    if pending is None or pending.kind != HOLD_SOP_DRAFT or pending.data.get("id") != draft_id:
        raise Refused("sop_draft_expired")
    return dict(pending.data)


async def _next(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: dict[str, Any]
) -> None:
    """Keep the draft and send its next question that still applies, or the confirmation."""
    now = ctx.clock()
    definition = draft["definition"]
    asked = [Question.of(q) for q in draft["questions"]]
    while draft["at"] < len(asked) and not applies(definition, asked[draft["at"]]):
        draft["at"] += 1
    await uow.messaging.set_pending(person.id, HOLD_SOP_DRAFT, now, PROMPT_TTL, data=draft)
    lang = person.language
    if draft["at"] < len(asked):
        question = asked[draft["at"]]
        rows = await _options(uow, person, draft, question, now)
        body = render(
            "sop_question",
            lang,
            **_question(definition, question),
            number=draft["at"] + 1,
            total=len(asked),
        )
        await uow.messaging.enqueue(_send(person, body, rows), now)
        return
    await _confirm(uow, ctx, person, draft)


async def _options(
    uow: BotUnitOfWork, person: Person, draft: dict[str, Any], question: Question, now: datetime
) -> list[list[dict[str, str]]]:
    """The buttons of a question: the roles, or yes/no; then "accept the rest"."""

    async def button(caption: str, value: str) -> dict[str, str]:
        data = {"draft": draft["id"], "q": draft["at"], "value": value}
        return {
            "text": caption,
            "data": await uow.messaging.new_token(person.id, ANSWER, now, data=data),
        }

    lang = person.language
    if question.kind == "actor":
        roles = draft["definition"]["roles"]
        buttons = [
            await button(("✓ " if r["id"] == question.proposal else "") + r["name"], r["id"])
            for r in roles
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    else:
        rows = [
            [await button(label("sop_yes", lang), YES), await button(label("sop_no", lang), NO)]
        ]
    rest = await uow.messaging.new_token(person.id, REST, now, data={"draft": draft["id"]})
    rows.append([{"text": label("sop_accept_rest", lang), "data": rest}])
    return rows


async def _confirm(
    uow: BotUnitOfWork,
    ctx: AppContext,
    person: Person,
    draft: dict[str, Any],
    *,
    ask_override: bool = False,
) -> None:
    """The draft as it stands, with "install" (or "replace", when the name is taken) and
    "cancel"."""
    now = ctx.clock()
    definition = draft["definition"]
    name = str(definition["name"])
    taken = ctx.sops.path(name) is not None
    origin = ctx.sops.origin(name) if taken else ""
    lang = person.language
    install = await uow.messaging.new_token(
        person.id, INSTALL, now, data={"draft": draft["id"], "override": taken}
    )
    cancel = await uow.messaging.new_token(person.id, CANCEL, now, data={"draft": draft["id"]})
    rows = [
        [{"text": label("sop_replace" if taken else "sop_install", lang), "data": install}],
        [{"text": label("cancel", lang), "data": cancel}],
    ]
    body = render(
        "sop_confirm",
        lang,
        **_table(definition),
        taken=taken,
        shipped=origin == SHIPPED,
        again=ask_override,
    )
    await uow.messaging.enqueue(_send(person, body, rows), now)


async def answer_question(
    ctx: AppContext, person: Person, draft_id: str, index: int, value: str
) -> None:
    """An answer button: change the draft, then the next question (or the confirmation)."""
    _check_admin(ctx, person)

    async def act(uow: BotUnitOfWork) -> None:
        draft = await _draft(uow, ctx, person, draft_id)
        if draft["at"] != index:
            raise Refused("sop_draft_expired")  # an earlier question's button, tapped again
        try:
            answer(draft["definition"], Question.of(draft["questions"][index]), value)
        except NotAnAnswer:
            raise Refused("sop_draft_expired") from None
        draft["at"] = index + 1
        await _next(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


async def accept_rest(ctx: AppContext, person: Person, draft_id: str) -> None:
    """Take every remaining proposal as it is, and show the confirmation."""
    _check_admin(ctx, person)

    async def act(uow: BotUnitOfWork) -> None:
        draft = await _draft(uow, ctx, person, draft_id)
        draft["at"] = len(draft["questions"])
        await _next(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


async def cancel(ctx: AppContext, person: Person, draft_id: str) -> None:
    """Drop the draft (the document stays in the store); nothing is installed."""

    async def act(uow: BotUnitOfWork) -> None:
        await _draft(uow, ctx, person, draft_id)
        await uow.messaging.clear_pending(person.id)
        await uow.messaging.enqueue(reply(person, "sop_import_cancelled"), ctx.clock())
        await uow.commit()

    await ctx.execute(act)


async def install(ctx: AppContext, person: Person, draft_id: str, override: bool) -> str:
    """Validate the draft and write it into the deployment's SOP directory; its SOP name.

    An invalid draft is refused with the step and field; a name that is taken since the
    confirmation was sent is asked about again rather than replaced."""
    _check_admin(ctx, person)
    folder = ctx.sops.install_dir()
    assert folder is not None  # checked above

    async def act(uow: BotUnitOfWork) -> str:
        now = ctx.clock()
        draft = await _draft(uow, ctx, person, draft_id)
        definition = draft["definition"]
        name = str(definition["name"])
        if ctx.sops.path(name) is not None and not override:
            await _confirm(uow, ctx, person, draft, ask_override=True)
            await uow.commit()
            return ""
        yaml_text = Proposal(draft["source"], definition, []).yaml_text(
            _header(draft, person, now)
        )
        try:
            loaded = parse_definition(yaml_text, name)
        except DefinitionError as exc:
            raise Refused("sop_draft_invalid", place=exc.place, problem=exc.problem) from None
        try:
            write_definition(yaml_text, folder / f"{name}.yaml")
        except OSError as exc:  # not a passing fault: retrying the update would not help
            log.error("SOP %s not written into %s: %s", name, folder, exc)
            raise Refused("sop_dir_unwritable", folder=str(folder)) from None
        await uow.messaging.clear_pending(person.id)
        spec = loaded.spec
        done = {"title": spec.title, "name": name, "steps": len(spec.steps)}
        people = await uow.people.of_org(person.org_id)
        held = {role for p in people if p.active for role in p.roles}
        unheld = [r.name for r in spec.roles if r.id not in held]  # nobody can do these yet
        told = reply(person, "sop_installed", **done, replaced=override, unheld=unheld)
        await uow.messaging.enqueue(told, now)
        for other in people:
            if other.is_admin and other.id != person.id and other.active:
                notice = reply(other, "sop_installed_notice", **done, by=person.name)
                await uow.messaging.enqueue(notice, now)
        await uow.commit()
        log.info(
            "SOP %s installed into %s by %s from %s (sha256 %s)%s",
            name,
            folder,
            person.id,
            draft["source"],
            draft["sha256"],
            " replacing the one before" if override else "",
        )
        return name

    return await ctx.execute(act)


def _one_line(value: str) -> str:
    """A user-given name on one printable line (it goes into a YAML comment and the log)."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()[:120]


def _header(draft: dict[str, Any], person: Person, now: datetime) -> str:
    """The comment lines at the top of an installed SOP: who, when, from which document."""
    asked = len(draft["questions"])
    return (
        f"# Installed from Telegram by {_one_line(person.name)} ({person.id}) on "
        f"{now:%Y-%m-%d %H:%M} UTC\n"
        f"# from the document {_one_line(draft['source'])} (kept in the document store as "
        f"sha256 {draft['sha256']});\n"
        f"# {asked} uncertain points were put to the administrator (the rest as proposed).\n"
    )


def _table(definition: dict[str, Any]) -> dict[str, Any]:
    """The draft's steps as plain rows for the table templates, with its totals."""
    names = {r["id"]: r["name"] for r in definition["roles"]}
    rows = []
    for step in definition["steps"]:
        kind = step.get("mode") or (
            "decision"
            if "decision" in step
            else "disposition"
            if step.get("disposition")
            else "invitation"
            if "invites_to" in step
            else ""
        )
        title = str(step["title"])
        rows.append(
            {
                "no": step["no"],
                "actors": ", ".join(names.get(a, a) for a in step["actors"]),
                "minutes": int(step.get("minutes", 0)),
                "kind": kind,
                "return_to": (step.get("decision") or {}).get("return_to", []),
                "title": title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…",
            }
        )
    return {
        "title": definition["title"],
        "name": definition["name"],
        "rows": rows,
        "minutes": sum(r["minutes"] for r in rows),
    }


def _question(definition: dict[str, Any], question: Question) -> dict[str, Any]:
    """What a question's text needs: the step, what is asked, the proposal in words."""
    names = {r["id"]: r["name"] for r in definition["roles"]}
    step = next(s for s in definition["steps"] if s["no"] == question.step)
    return {
        "step": question.step,
        "kind": question.kind,
        "step_title": step["title"],
        "role": names.get(question.proposal, question.proposal),
        "actor": ", ".join(names.get(a, a) for a in step["actors"]),
        "how": question.how,
        "target": question.proposal,
        "participants": ", ".join(names.get(a, a) for a in step.get("participants", [])),
    }
