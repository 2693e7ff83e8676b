"""Buttons on task messages and the typed answers they ask for (notes, directions, titles).

Callback data is an opaque random token; its meaning (action, assignment, person) is in the
database, so a button can't be altered to act on another run, step or person. Every tap is
checked again by the workflow services: a stale button changes nothing and says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from application.context import PROMPT_TTL, AppContext
from application.notifier import Notifier
from application.texts import reply, role_names, step_output, step_title, text
from handlers import meetings
from handlers.context import bot_context, guarded, member, refuse, say, tap, whoami
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import ButtonToken, Outgoing
from workflow.errors import Refused
from workflow.model import Event, EventKind, Person
from workflow.services import CompleteAssignment, Decide, Outcome, StartRun

# Pending input kinds (what the bot waits for from a person).
AWAIT_UPLOAD = "upload"
AWAIT_RETURN_NOTE = "return_note"
AWAIT_ARAHAN = "arahan"
HOLD_ARAHAN = "disposition"  # directions written, waiting for the urgency button
AWAIT_TITLE = "title"

SIFAT = {"biasa": "sifat_biasa", "segera": "sifat_segera", "sangat_segera": "sifat_sangat_segera"}


async def _drop_buttons(query: CallbackQuery) -> None:
    # Already without buttons, or too old to edit: nothing to do.
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def _command(
    update: Update,
    query: CallbackQuery,
    ctx: AppContext,
    person: Person,
    act: Callable[[BotUnitOfWork], Awaitable[Outcome]],
) -> None:
    """A workflow command from a button: run it; once accepted, answer and drop the buttons."""
    if await guarded(update, person, lambda: ctx.execute(act)) is not None:
        await query.answer()
        await _drop_buttons(query)


async def _open_step(uow: BotUnitOfWork, tok: ButtonToken, person: Person) -> Any:
    """The run, spec and assignment of a token, refusing when it is not open for this person."""
    run = await uow.runs.get_by_assignment(tok.assignment_id or "")
    a = run.assignment(tok.assignment_id or "") if run else None
    if run is None or a is None:
        raise Refused("assignment_not_found")
    if a.person_id != person.id:
        raise Refused("not_your_assignment", step_no=a.step_no)
    if not a.is_active:
        raise Refused("assignment_not_active", step_no=a.step_no)
    loaded = await uow.definitions.get(run.sop_name, run.sop_version)
    assert loaded is not None
    return run, loaded.spec, a


def _ack_done(person: Person) -> Any:
    def ack(outcome: Outcome) -> Sequence[Outgoing]:
        done = [e for e in outcome.events if e.kind.value == "assignment_completed"]
        if not done:
            return []
        a = outcome.run.assignment(done[0].assignment_id or "")
        assert a is not None
        step = outcome.spec.step(a.step_no)
        waiting = sum(1 for x in outcome.run.assignments_of(a.step_instance_id) if x.is_active)
        lang = person.language
        if step.disposition:
            nxt = role_names(outcome.spec, outcome.spec.step(2).actors[:1], lang)
            sifat = label(SIFAT.get(str(a.data.get("sifat")), "sifat_biasa"), lang)
            return [reply(person, "ack_disposition", sifat=sifat, next_actor=nxt)]
        if step.decision is not None:
            back = outcome.spec.step(step.decision.return_to)
            return [
                reply(
                    person,
                    "ack_decision",
                    approved=a.data.get("decision") == "approved",
                    return_to=back.no,
                    return_title=step_title(back, lang),
                )
            ]
        return [
            reply(
                person,
                "ack_done",
                step_no=step.no,
                step_title=step_title(step, lang),
                name=person.name,
                waiting=waiting,
            )
        ]

    return ack


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any inline button: look the token up, check the person, do the action."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    person = await whoami(update, ctx)
    if person is None:
        await query.answer(render("not_registered", None)[:200], show_alert=True)
        return
    async with ctx.uow_factory() as uow:
        tok = await uow.messaging.token(query.data or "")
    if tok is None:
        await query.answer(render("stale_button", person.language)[:200], show_alert=True)
        return
    # A shared button (a meeting's answers in the office group) is for whoever taps it.
    if tok.person_id != person.id and not tok.data.get("shared"):
        await query.answer(render("not_your_button", person.language)[:200], show_alert=True)
        return
    handler = _ACTIONS.get(tok.action)
    if handler is None:
        await query.answer(render("stale_button", person.language)[:200], show_alert=True)
        return
    await handler(update, query, ctx, person, tok)


async def _done(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> Outcome:
        cmd = CompleteAssignment(tok.assignment_id or "", person.id)
        return await ctx.service(_ack_done(person)).complete(cmd, uow)

    await _command(update, query, ctx, person, act)


async def _approve(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> Outcome:
        cmd = Decide(tok.assignment_id or "", person.id, approve=True)
        return await ctx.service(_ack_done(person)).decide(cmd, uow)

    await _command(update, query, ctx, person, act)


async def _dispose(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> Outcome:
        held = await uow.messaging.pending(person.id, ctx.clock())
        arahan = None
        if held and held.kind == HOLD_ARAHAN and held.assignment_id == tok.assignment_id:
            arahan = held.data.get("arahan")
        data = {"sifat": tok.data.get("sifat", "biasa"), "arahan": arahan}
        _run, spec, _ = await _open_step(uow, tok, person)
        if len(spec.steps) > 1:
            data["diteruskan_kepada"] = role_names(spec, spec.step(2).actors[:1], "id")
        await uow.messaging.clear_pending(person.id)
        cmd = CompleteAssignment(tok.assignment_id or "", person.id, note=arahan, data=data)
        return await ctx.service(_ack_done(person)).complete(cmd, uow)

    await _command(update, query, ctx, person, act)


async def _prompt(
    update: Update,
    query: CallbackQuery,
    ctx: AppContext,
    person: Person,
    tok: ButtonToken,
    kind: str,
) -> None:
    """Wait for a file or a typed note for this step, and say what to send."""

    async def act(uow: BotUnitOfWork) -> dict[str, Any]:
        _run, spec, a = await _open_step(uow, tok, person)
        step = spec.step(a.step_no)
        await uow.messaging.set_pending(
            person.id, kind, ctx.clock(), PROMPT_TTL, assignment_id=a.id
        )
        await uow.commit()
        back = spec.step(step.decision.return_to) if step.decision else step
        return {
            "step_no": step.no,
            "output": step_output(step, person.language),
            "return_to": back.no,
            "return_title": step_title(back, person.language),
        }

    try:
        info = await ctx.execute(act)
    except Refused as refusal:
        await refuse(update, person, refusal)
        return
    await query.answer()
    if kind == AWAIT_UPLOAD:
        await say(
            update,
            "upload_prompt",
            person.language,
            step_no=info["step_no"],
            output=info["output"],
            max_mb=20,
        )
    else:
        await say(update, "note_prompt", person.language, kind=kind, **info)


async def _upload(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    await _prompt(update, query, ctx, person, tok, AWAIT_UPLOAD)


async def _return(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    await _prompt(update, query, ctx, person, tok, AWAIT_RETURN_NOTE)


async def _arahan(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    await _prompt(update, query, ctx, person, tok, AWAIT_ARAHAN)


async def _detail(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Send the task message again (with fresh buttons) if the step is still open."""

    async def act(uow: BotUnitOfWork) -> None:
        run, spec, a = await _open_step(uow, tok, person)
        fake = Event(
            run_id=run.id,
            seq=run.last_seq,
            kind=EventKind.ASSIGNMENT_ACTIVATED,
            at=a.activated_at,
            actor_id=None,
            step_no=a.step_no,
            step_instance_id=a.step_instance_id,
            assignment_id=a.id,
            person_id=a.person_id,
        )
        await Notifier(ctx.clock)(Outcome(run=run, spec=spec, events=[fake], activated=[a]), uow)
        await uow.commit()

    await tap(update, ctx, person, act)


async def _start_confirm(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> Outcome:
        cmd = StartRun(person.org_id, str(tok.data["sop"]), str(tok.data["title"]), person.id)
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        return await ctx.service().start_run(cmd, uow)

    await _command(update, query, ctx, person, act)


async def _start_cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        await uow.commit()

    await ctx.execute(act)
    await query.answer()
    await _drop_buttons(query)
    await say(update, "mulai_cancelled", person.language)


async def _choose_sop(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.set_pending(
            person.id, AWAIT_TITLE, ctx.clock(), PROMPT_TTL, data={"sop": tok.data["sop"]}
        )
        await uow.commit()

    await ctx.execute(act)
    await query.answer()
    await say(update, "note_prompt", person.language, kind=AWAIT_TITLE)


_ACTIONS = {
    "done": _done,
    "approve": _approve,
    "dispose": _dispose,
    "upload": _upload,
    "return": _return,
    "arahan": _arahan,
    "detail": _detail,
    "start_confirm": _start_confirm,
    "start_cancel": _start_cancel,
    "choose_sop": _choose_sop,
    **meetings.ACTIONS,  # scheduling, answers, holding a meeting
}


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain private message: the answer to what the bot asked for, if anything."""
    message = update.effective_message
    if message is None or not message.text:
        return
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    async with ctx.uow_factory() as uow:
        pending = await uow.messaging.pending(person.id, ctx.clock())
    if pending is None:
        await say(update, "unexpected_text", person.language)
        return
    body = message.text
    if pending.kind == AWAIT_RETURN_NOTE:

        async def decide(uow: BotUnitOfWork) -> Outcome:
            await uow.messaging.clear_pending(person.id)
            cmd = Decide(pending.assignment_id or "", person.id, approve=False, note=body)
            return await ctx.service(_ack_done(person)).decide(cmd, uow)

        await guarded(update, person, lambda: ctx.execute(decide))
    elif pending.kind == AWAIT_ARAHAN:
        await guarded(
            update, person, lambda: _hold_arahan(ctx, person, pending.assignment_id, body)
        )
    elif pending.kind == AWAIT_TITLE:
        await guarded(update, person, lambda: _confirm_title(ctx, person, pending.data, body))
    elif pending.kind in meetings.KINDS:
        await meetings.typed_answer(update, ctx, person, pending, body)
    elif pending.kind == AWAIT_UPLOAD:
        await say(
            update, "upload_refused", person.language, reason="no_file", max_mb=20, detected=""
        )
    else:
        await say(update, "unexpected_text", person.language)


async def _hold_arahan(
    ctx: AppContext, person: Person, assignment_id: str | None, body: str
) -> None:
    """Keep the Camat's directions and ask for the urgency with fresh buttons."""
    if len(body) > 3000:
        raise Refused("text_too_long", limit=3000, length=len(body))

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        tok = ButtonToken("", person.id, "arahan", assignment_id, None)
        await _open_step(uow, tok, person)
        await uow.messaging.set_pending(
            person.id,
            HOLD_ARAHAN,
            now,
            PROMPT_TTL,
            assignment_id=assignment_id,
            data={"arahan": body.strip()},
        )
        row = []
        for sifat, key in SIFAT.items():
            token = await uow.messaging.new_token(
                person.id, "dispose", now, assignment_id=assignment_id, data={"sifat": sifat}
            )
            row.append({"text": label(key, person.language), "data": token})
        await uow.messaging.enqueue(
            Outgoing(
                "text",
                text(render("arahan_saved", person.language), [row]),
                person_id=person.id,
                org_id=person.org_id,
            ),
            now,
        )
        await uow.commit()

    await ctx.execute(act)


async def _confirm_title(ctx: AppContext, person: Person, data: dict[str, Any], body: str) -> None:
    """Ask to confirm starting the SOP with this title."""
    title = body.strip()
    if not title:
        raise Refused("title_required")
    if len(title) > 200:
        raise Refused("text_too_long", limit=200, length=len(title))

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        sop = str(data.get("sop", ""))
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        await uow.messaging.clear_pending(person.id)
        yes = await uow.messaging.new_token(
            person.id, "start_confirm", now, data={"sop": sop, "title": title}
        )
        no = await uow.messaging.new_token(person.id, "start_cancel", now)
        buttons = [
            [
                {"text": label("confirm_start", person.language), "data": yes},
                {"text": label("cancel", person.language), "data": no},
            ]
        ]
        body_text = render(
            "mulai_confirm", person.language, sop_title=loaded.spec.title, title=title
        )
        await uow.messaging.enqueue(
            Outgoing("text", text(body_text, buttons), person_id=person.id, org_id=person.org_id),
            now,
        )
        await uow.commit()

    await ctx.execute(act)
