"""Running the office's runs from the status view: reassign an open part to another holder (or
take it over for someone who left), and cancel a run with a reason.

/status, in a private chat, gives whoever oversees the office (administrators, the head, the
head's acting official — `workflow.office_access`) a row of buttons under each run: *Alihkan*
lists the run's open parts, then the officials who may take the chosen one; *Batalkan* asks
for the reason. The engine checks the permission again and records everything in the run's
trail; the notifier tells the new holder (the task, its documents, a fresh budget), the old
one, and — for a cancellation — everyone with open work and the office group.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from application.context import PROMPT_TTL, AppContext
from application.notifier import Ack
from application.texts import reply, role_names, send_text, step_title
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.acting import Acting, acting_as
from workflow.errors import Refused
from workflow.lookups import pinned_spec
from workflow.model import AssignmentStatus, Organisation, Person, Run, RunStatus
from workflow.office_access import may_cancel, oversees
from workflow.services import CancelRun, Outcome, Reassign
from workflow.spec import SopDefinition

AWAIT_RUN_CANCEL_REASON = "run_cancel_reason"  # the pending input: the reason a run is cancelled
REASSIGN = "ofc_reassign"  # a run's *Alihkan*: its open parts
PICK = "ofc_pick"  # an open part chosen: who may take it
TO = "ofc_to"  # the new holder chosen: reassign
CANCEL = "ofc_cancel"  # a run's *Batalkan*: ask for the reason
ACTIONS = (REASSIGN, PICK, TO, CANCEL)

Rows = list[list[dict[str, str]]]


async def _context(
    uow: BotUnitOfWork, person: Person, now: datetime
) -> tuple[Organisation, Sequence[Acting]]:
    """The person's office and the acting appointments running now."""
    org = await uow.people.get_org(person.org_id)
    assert org is not None
    return org, await uow.people.acting_at(person.org_id, now)


async def _run_of_org(
    uow: BotUnitOfWork, person: Person, run_id: str
) -> tuple[Run, SopDefinition]:
    """The run, when it belongs to the person's office and still runs."""
    run = await uow.runs.get(run_id)
    if run is None or run.org_id != person.org_id:
        raise Refused("run_not_found")
    if run.status is not RunStatus.ACTIVE:
        raise Refused("run_not_active", title=run.title)
    return run, await pinned_spec(uow, run)


async def status_controls(ctx: AppContext, person: Person) -> Rows:
    """Under /status (private chat): *Alihkan* and *Batalkan* for each active run this person
    may manage; no rows for anyone else."""

    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        org, acting = await _context(uow, person, now)
        rows: Rows = []
        for run in await uow.runs.list_active(person.org_id):
            if not run.active_assignments():
                continue
            spec = await pinned_spec(uow, run)
            row = []
            short = run.title if len(run.title) <= 28 else run.title[:27] + "…"
            if oversees(person, org, spec, acting, now):
                token = await uow.messaging.new_token(person.id, REASSIGN, now, run_id=run.id)
                caption = f"{label('reassign_run', person.language)}: {short}"
                row.append({"text": caption, "data": token})
            if may_cancel(person, org, spec, acting, now):
                token = await uow.messaging.new_token(person.id, CANCEL, now, run_id=run.id)
                row.append({"text": label("cancel_run", person.language), "data": token})
            if row:
                rows.append(row)
        await uow.commit()
        return rows

    return await ctx.execute(act)


def _check_oversees(
    person: Person, org: Organisation, spec: SopDefinition, acting: Sequence[Acting], now: datetime
) -> None:
    """Refuse someone who does not oversee the office."""
    if not oversees(person, org, spec, acting, now):
        raise Refused("not_allowed_to_reassign")


async def choose_part(ctx: AppContext, person: Person, run_id: str) -> None:
    """*Alihkan*: the run's open parts as buttons (the only one: straight to the people)."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        run, spec = await _run_of_org(uow, person, run_id)
        org, acting = await _context(uow, person, now)
        _check_oversees(person, org, spec, acting, now)
        parts = run.active_assignments()
        if len(parts) == 1:
            await _offer_people(uow, person, run, spec, parts[0].id, acting, now)
            await uow.commit()
            return
        names = {p.id: p.name for p in await uow.people.all_of_org(run.org_id)}
        rows: Rows = []
        for a in parts:
            token = await uow.messaging.new_token(
                person.id, PICK, now, assignment_id=a.id, run_id=run.id
            )
            caption = f"{a.step_no}. {names.get(a.person_id, '?')}"
            rows.append([{"text": caption, "data": token}])
        body = render("reassign_choose", person.language, kind="part", run_title=run.title)
        await send_text(uow, person, now, body, rows)
        await uow.commit()

    await ctx.execute(act)


async def choose_person(ctx: AppContext, person: Person, assignment_id: str) -> None:
    """An open part chosen: the officials who may take it, as buttons."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        run = await uow.runs.get_by_assignment(assignment_id)
        if run is None:
            raise Refused("assignment_not_found")
        run, spec = await _run_of_org(uow, person, run.id)
        org, acting = await _context(uow, person, now)
        _check_oversees(person, org, spec, acting, now)
        await _offer_people(uow, person, run, spec, assignment_id, acting, now)
        await uow.commit()

    await ctx.execute(act)


def eligible(
    run: Run,
    spec: SopDefinition,
    assignment_id: str,
    people: Sequence[Person],
    acting: Sequence[Acting],
    now: datetime,
) -> list[tuple[Person, str]]:
    """Who may take an open part (with the role they take it in): the holders of the step's
    roles and those acting in one of them now, except its holder and those with a part of the
    same round already."""
    a = run.assignment(assignment_id)
    if a is None or not a.is_active:
        raise Refused("assignment_not_active", step_no=a.step_no if a else 0)
    step = spec.step(a.step_no)
    busy = {x.person_id for x in run.assignments_of(a.step_instance_id) if x.is_active}
    out: list[tuple[Person, str]] = []
    for p in people:
        if p.id in busy:
            continue
        held = [r for r in step.actors if r in p.roles]
        held += [x.role for x in acting_as(acting, p.id, now) if x.role in step.actors]
        if held:
            out.append((p, held[0]))
    return out


async def _offer_people(
    uow: BotUnitOfWork,
    person: Person,
    run: Run,
    spec: SopDefinition,
    assignment_id: str,
    acting: Sequence[Acting],
    now: datetime,
) -> None:
    """Send the officials who may take the part as buttons (or say there is nobody)."""
    a = run.assignment(assignment_id)
    assert a is not None
    step = spec.step(a.step_no)
    lang = person.language
    candidates = eligible(
        run, spec, assignment_id, await uow.people.of_org(run.org_id), acting, now
    )
    current = await uow.people.get(a.person_id)
    context: dict[str, Any] = {
        "run_title": run.title,
        "step_no": step.no,
        "step_title": step_title(step, lang),
        "holder": current.name if current else "?",
        "roles": role_names(spec, step.actors, lang),
    }
    if not candidates:
        await send_text(
            uow, person, now, render("reassign_choose", lang, kind="nobody", **context)
        )
        return
    rows: Rows = []
    for candidate, role in candidates:
        token = await uow.messaging.new_token(
            person.id, TO, now, assignment_id=a.id, run_id=run.id, data={"to": candidate.id}
        )
        caption = f"{candidate.name} ({role_names(spec, [role], lang)})"
        rows.append([{"text": caption[:60], "data": token}])
    await send_text(
        uow, person, now, render("reassign_choose", lang, kind="person", **context), rows
    )


async def reassign(ctx: AppContext, person: Person, assignment_id: str, to: str) -> Outcome:
    """The new holder chosen: move the part (the engine checks who may, and whom)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        await uow.messaging.delete_tokens_of(person.id, TO)
        run = await uow.runs.get_by_assignment(assignment_id)
        if run is None or run.org_id != person.org_id:
            raise Refused("assignment_not_found")
        old = run.assignment(assignment_id)
        assert old is not None
        before = await uow.people.get(old.person_id)
        after = await uow.people.get(to)
        names = (before.name if before else "?", after.name if after else "?")
        service = ctx.service(_ack_reassigned(person, *names))
        return await service.reassign(Reassign(assignment_id, person.id, to), uow)

    return await ctx.execute(act)


def _ack_reassigned(person: Person, from_name: str, to_name: str) -> Ack:
    """The reply to whoever reassigned: which step, from whom, to whom, due when."""

    def ack(outcome: Outcome) -> list[Outgoing]:
        new = outcome.activated[0]
        step = outcome.spec.step(new.step_no)
        lang = person.language
        return [
            reply(
                person,
                "reassign_done",
                run_title=outcome.run.title,
                step_no=step.no,
                step_title=step_title(step, lang),
                from_name=from_name,
                to_name=to_name,
                due=new.due_at,
            )
        ]

    return ack


async def ask_reason(ctx: AppContext, person: Person, run_id: str) -> None:
    """*Batalkan*: wait for the reason (typed), after checking the person may cancel."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        run, spec = await _run_of_org(uow, person, run_id)
        org, acting = await _context(uow, person, now)
        if not may_cancel(person, org, spec, acting, now):
            raise Refused("not_allowed_to_cancel", roles=role_names(spec, spec.starters, "id"))
        await uow.messaging.set_pending(
            person.id, AWAIT_RUN_CANCEL_REASON, now, PROMPT_TTL, data={"run_id": run.id}
        )
        await uow.messaging.enqueue(reply(person, "cancel_prompt", run_title=run.title), now)
        await uow.commit()

    await ctx.execute(act)


async def cancel(ctx: AppContext, person: Person, run_id: str, reason: str) -> Outcome:
    """The reason typed: cancel the run (its record stays, with the cancellation)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run, _spec = await _run_of_org(uow, person, run_id)
        await uow.messaging.clear_pending(person.id)

        def ack(outcome: Outcome) -> list[Outgoing]:
            ended = outcome.run.assignments
            told = {a.person_id for a in ended if a.status is AssignmentStatus.CANCELLED}
            body = {"run_title": outcome.run.title, "reason": outcome.run.cancel_reason or ""}
            return [reply(person, "cancel_done", told=len(told), **body)]

        return await ctx.service(ack).cancel(CancelRun(run.id, person.id, reason), uow)

    return await ctx.execute(act)


# --- from the server console (`kinerja-bot runs reassign|cancel`) -----------------------------


async def reassign_step(
    ctx: AppContext, run_id: str, step_no: int, to: str, holder: str | None = None
) -> Outcome:
    """Move the open part of a step (the holder's, when several are open) to another official;
    the console acts as the administrator."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run = await uow.runs.get(run_id)
        if run is None:
            raise Refused("run_not_found")
        parts = [
            a
            for a in run.active_assignments()
            if a.step_no == step_no and holder in (None, a.person_id)
        ]
        if len(parts) != 1:
            raise Refused("assignment_not_found")
        return await ctx.service().reassign(Reassign(parts[0].id, None, to), uow)

    return await ctx.execute(act)


async def cancel_run(ctx: AppContext, run_id: str, reason: str) -> Outcome:
    """Cancel a run from the console, with a reason."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        return await ctx.service().cancel(CancelRun(run_id, None, reason), uow)

    return await ctx.execute(act)
