"""Use cases of a run, from the buttons on task messages and the answers typed to them.

Start a run (choose the SOP, type the title — or choose the period, for an SOP that measures
one — confirm or cancel), Selesai, approve or return with a note, ask for a file or a note,
and send a task's message again (the disposition and its paraf chain are in
`application.disposition`). Each takes plain values, runs in one unit of work and
either returns what the adapter needs to answer or raises `Refused` with nothing changed. Who
may act on a task is checked in one place: `workflow.services.open_assignment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from application import membership
from application.context import MAX_UPLOAD_BYTES, PROMPT_TTL, AppContext
from application.cover_letter import unless_uploaded
from application.measure_flow import before_complete
from application.notifier import Ack, Notifier
from application.partial_return import offer_indicators, returnable
from application.pending_kinds import (
    ALL,
    AWAIT_RETURN_NOTE,
    AWAIT_TITLE,
    AWAIT_UPLOAD,
)
from application.texts import reply, send_text, step_done, step_output, step_title
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import ButtonToken, Outgoing, PendingInput
from workflow.errors import Refused
from workflow.indicators import Period
from workflow.model import Event, EventKind, Person
from workflow.services import (
    CompleteAssignment,
    Decide,
    Outcome,
    StartRun,
    check_period_free,
    open_assignment,
    starter_names,
)
from workflow.spec import LoadedDefinition, SopDefinition, StepMode

MAX_TITLE = 200


# --- what a tap or a typed message refers to ------------------------------------------------


async def button(ctx: AppContext, data: str) -> ButtonToken | None:
    """The meaning of a button's callback data (None when unknown or expired)."""
    return (await tapped_button(ctx, data, None))[0]


async def tapped_button(
    ctx: AppContext, data: str, telegram_id: int | None
) -> tuple[ButtonToken | None, Person | None]:
    """The meaning of a tapped button's callback data (None when unknown or expired) and,
    when the account that tapped it is the one it was made for, that person — in whichever
    of the account's offices the button belongs to (one read of the database)."""
    async with ctx.uow_factory() as uow:
        token = await uow.messaging.token(data)
        if token is None or telegram_id is None:
            return token, None
        owner = membership.same_account(await uow.people.get(token.person_id), telegram_id)
    return token, owner


async def pending_input(ctx: AppContext, person_id: str) -> PendingInput | None:
    """What the bot is waiting for from this person, if anything."""
    async with ctx.uow_factory() as uow:
        return await uow.messaging.pending(person_id, ctx.clock())


# --- acknowledgements -----------------------------------------------------------------------


def ack_done(person: Person, returned_to: str = "") -> Ack:
    """The reply to whoever finished their part: what it did and where the run goes next
    (`returned_to`: the name of the one person a return went to, if it went to one)."""

    def ack(outcome: Outcome) -> Sequence[Outgoing]:
        done = [e for e in outcome.events if e.kind is EventKind.ASSIGNMENT_COMPLETED]
        if not done:
            return []
        a = outcome.run.assignment(done[0].assignment_id or "")
        assert a is not None
        spec = outcome.spec
        step = spec.step(a.step_no)
        lang = person.language
        if step.decision is not None:
            back = spec.step(int(a.data.get("return_to", step.decision.return_to[0])))
            return [
                reply(
                    person,
                    "ack_decision",
                    approved=a.data.get("decision") == "approved",
                    return_to=back.no,
                    return_title=step_title(back, lang),
                    return_person=returned_to,
                )
            ]
        waiting = sum(1 for x in outcome.run.assignments_of(a.step_instance_id) if x.is_active)
        return [step_done(person, step, waiting, step.completion_is_paraf)]

    return ack


# --- starting a run -------------------------------------------------------------------------


def _startable(ctx: AppContext, person: Person) -> tuple[list[SopDefinition], Refused]:
    """The SOPs this person may start, and the refusal when there are none."""
    sops = [ctx.sops.load(name).spec for name in ctx.sops.names()]
    allowed = [s for s in sops if person.is_admin or person.roles & set(s.starters)]
    if not sops:
        return allowed, Refused("not_allowed_to_start", sop="SOP")
    first = sops[0]
    return allowed, Refused("not_allowed_to_start", sop=first.title, roles=starter_names(first))


def can_start(ctx: AppContext, person: Person) -> bool:
    """Whether this person may start a run of any SOP (for the help text)."""
    return bool(_startable(ctx, person)[0])


def offered_periods(today: date) -> list[Period]:
    """The periods a run can be started for: the last quarter of the previous year (its
    report is made early in the new year), then this year's quarters and the year."""
    return [Period(today.year - 1, 4), *Period.of_year(today.year)]


async def _offer_periods(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, spec: SopDefinition
) -> None:
    """Send the periods of an SOP that measures one, as buttons."""
    now = ctx.clock()
    today = now.astimezone(ZoneInfo(ctx.calendar.config.timezone)).date()
    rows = []
    for period in offered_periods(today):
        token = await uow.messaging.new_token(
            person.id, "choose_period", now, data={"sop": spec.name, "period": period.label()}
        )
        rows.append([{"text": period.label(person.language), "data": token}])
    body = render("mulai_choose_period", person.language, sop_title=spec.title)
    await send_text(uow, person, now, body, rows)


async def ask_for_sop(ctx: AppContext, person: Person) -> None:
    """/mulai: ask which SOP (several allowed), or for the one SOP its period (an SOP that
    measures one) or its title."""
    allowed, refusal = _startable(ctx, person)
    if not allowed:
        raise refusal

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        buttons = None
        if len(allowed) == 1 and allowed[0].measures == "period":
            await _offer_periods(uow, ctx, person, allowed[0])
            await uow.commit()
            return
        if len(allowed) == 1:
            await uow.messaging.set_pending(
                person.id, AWAIT_TITLE, now, PROMPT_TTL, data={"sop": allowed[0].name}
            )
            body = render(
                "note_prompt", person.language, kind=AWAIT_TITLE, sop_title=allowed[0].title
            )
        else:
            body = render("mulai_choose_sop", person.language)
            buttons = []
            for spec in allowed:
                token = await uow.messaging.new_token(
                    person.id, "choose_sop", now, data={"sop": spec.name}
                )
                buttons.append([{"text": spec.title, "data": token}])
        await send_text(uow, person, now, body, buttons)
        await uow.commit()

    await ctx.execute(act)


@dataclass(frozen=True)
class SopChoice:
    """The SOP chosen in /mulai: its title, and whether its periods were offered (sent as
    buttons) rather than a title asked for."""

    sop_title: str
    periods_offered: bool


async def choose_sop(ctx: AppContext, person: Person, sop: str) -> SopChoice:
    """The SOP was chosen: offer its periods, or wait for the title."""

    async def act(uow: BotUnitOfWork) -> SopChoice:
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        if loaded.spec.measures == "period":
            await _offer_periods(uow, ctx, person, loaded.spec)
        else:
            await uow.messaging.set_pending(
                person.id, AWAIT_TITLE, ctx.clock(), PROMPT_TTL, data={"sop": sop}
            )
            ask = reply(person, "note_prompt", kind=AWAIT_TITLE, sop_title=loaded.spec.title)
            await uow.messaging.enqueue(ask, ctx.clock())
        await uow.commit()
        return SopChoice(loaded.spec.title, loaded.spec.measures == "period")

    return await ctx.execute(act)


async def _offer_start(
    uow: BotUnitOfWork,
    ctx: AppContext,
    person: Person,
    loaded: LoadedDefinition,
    title: str,
    period: Period | None = None,
) -> None:
    """Ask to confirm starting the SOP with this title (or for this period)."""
    now = ctx.clock()
    data: dict[str, Any] = {"sop": loaded.spec.name, "title": title}
    if period is not None:
        data["period"] = period.label()
    yes = await uow.messaging.new_token(person.id, "start_confirm", now, data=data)
    no = await uow.messaging.new_token(person.id, "start_cancel", now)
    buttons = [
        [
            {"text": label("confirm_start", person.language), "data": yes},
            {"text": label("cancel", person.language), "data": no},
        ]
    ]
    body_text = render(
        "mulai_confirm",
        person.language,
        sop_title=loaded.spec.title,
        title=title,
        period=period.label(person.language) if period is not None else "",
    )
    await send_text(uow, person, now, body_text, buttons)


async def confirm_title(ctx: AppContext, person: Person, sop: str, body: str) -> None:
    """The title was typed: ask to confirm starting the SOP with it."""

    async def act(uow: BotUnitOfWork) -> None:
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        title = body.strip()
        if not title:
            raise Refused("title_required", sop=loaded.spec.title)
        if len(title) > MAX_TITLE:
            raise Refused("text_too_long", limit=MAX_TITLE, length=len(title))
        await uow.messaging.clear_pending(person.id)
        await _offer_start(uow, ctx, person, loaded, title)
        await uow.commit()

    await ctx.execute(act)


async def choose_period(ctx: AppContext, person: Person, sop: str, period_label: str) -> None:
    """A period was chosen: refuse one already run (not cancelled), else ask to confirm."""

    async def act(uow: BotUnitOfWork) -> None:
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        period = Period.parse(period_label)
        await check_period_free(uow, person.org_id, loaded.spec, period)
        title = f"{loaded.spec.title} {period.label()}"
        await _offer_start(uow, ctx, person, loaded, title, period)
        await uow.commit()

    await ctx.execute(act)


async def start_run(
    ctx: AppContext, person: Person, sop: str, title: str, period: str | None = None
) -> Outcome:
    """Confirmed: start the run (its first tasks go out through the notifier); `period` is
    the label of the period chosen, for an SOP that measures one."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        chosen = Period.parse(period) if period else None
        cmd = StartRun(person.org_id, sop, title, person.id, period=chosen)
        return await ctx.service().start_run(cmd, uow)

    return await ctx.execute(act)


async def cancel_start(ctx: AppContext, person: Person) -> None:
    """Not now: forget the offered start."""

    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        await uow.messaging.enqueue(reply(person, "mulai_cancelled"), ctx.clock())
        await uow.commit()

    await ctx.execute(act)


# --- finishing, deciding --------------------------------------------------------------------


async def complete(ctx: AppContext, person: Person, assignment_id: str) -> Outcome:
    """Selesai: my part of the step is done (at a measurement step: when what it needs is
    there, with the documents the bot makes for it; at a letter step with nothing of his own:
    with the letter the bot wrote)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        made = await before_complete(uow, ctx.maker(), run, spec, a, person)
        letter = await unless_uploaded(uow, run, spec, a)  # the written letter, if his only
        cmd = CompleteAssignment(
            assignment_id, person.id, document_ids=made.document_ids + letter, data=made.data or {}
        )
        return await ctx.service(ack_done(person)).complete(cmd, uow)

    return await ctx.execute(act)


async def approve(ctx: AppContext, person: Person, assignment_id: str) -> Outcome:
    """Setujui: the reviewed work goes on."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        cmd = Decide(assignment_id, person.id, approve=True)
        return await ctx.service(ack_done(person)).decide(cmd, uow)

    return await ctx.execute(act)


async def return_with_note(
    ctx: AppContext, person: Person, assignment_id: str, note: str
) -> Outcome:
    """Kembalikan: back to the step (and person) chosen before the note, with what to fix;
    the step is opened afresh for a new version."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        held = await uow.messaging.pending(person.id, ctx.clock())
        chosen = held.data if held and held.assignment_id == assignment_id else {}
        to = chosen.get("to") or None
        target = chosen.get("return_to")
        # A partial return (indicators chosen): the people answering for them, and the codes.
        people = tuple(str(p) for p in chosen.get("people") or ())
        names = []
        for person_id in ([str(to)] if to is not None else []) + list(people):
            found = await uow.people.get(person_id)
            names.append(found.name if found is not None else "")
        await uow.messaging.clear_pending(person.id)
        cmd = Decide(
            assignment_id,
            person.id,
            approve=False,
            note=note,
            return_to=int(target) if target is not None else None,
            return_person_id=str(to) if to is not None else None,
            return_people=people,
            return_items=tuple(str(c) for c in chosen.get("items") or ()),
        )
        name = ", ".join(n for n in names if n)
        return await ctx.service(ack_done(person, name)).decide(cmd, uow)

    return await ctx.execute(act)


async def ask_return(
    ctx: AppContext,
    person: Person,
    assignment_id: str,
    step_no: int | None = None,
    to: str | None = None,
) -> InputPrompt | None:
    """Kembalikan, one question at a time: which step (when the SOP allows several), to whom
    (an `each` step with several holders: one of them or all), then the note.

    Returns the note prompt once everything is chosen; None when a choice was sent instead
    (a message with buttons, through the outbox).
    """

    async def act(uow: BotUnitOfWork) -> InputPrompt | None:
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        step = spec.step(a.step_no)
        if step.decision is None:
            raise Refused("not_a_decision_step", step_no=step.no)
        targets = step.decision.return_to
        if step_no is None and len(targets) == 1:
            target: int | None = targets[0]
        else:
            target = step_no
        if target is not None and target not in targets:
            raise Refused(
                "return_target_not_allowed",
                step_no=target,
                allowed=", ".join(str(n) for n in targets),
            )
        lang = person.language
        now = ctx.clock()
        if target is None:
            rows = [
                [
                    await _choice(
                        uow,
                        person,
                        a.id,
                        now,
                        {"step": no},
                        render(
                            "return_button",
                            lang,
                            kind="step",
                            step_no=no,
                            step_title=step_title(spec.step(no), lang),
                        ),
                    )
                ]
                for no in targets
            ]
            body = render(
                "return_choose",
                lang,
                kind="step",
                steps=[{"no": no, "title": step_title(spec.step(no), lang)} for no in targets],
            )
            await send_text(uow, person, now, body, rows)
            await uow.commit()
            return None
        back = spec.step(target)
        measured = await returnable(uow, run, back) if to is None else None
        if measured is not None:  # a collect step: choose the indicators, not the people
            await offer_indicators(uow, now, person, a, measured, back)
            await uow.commit()
            return None
        holders = [p for p in await uow.people.of_org(person.org_id) if back.actors[0] in p.roles]
        if to is None and back.mode is StepMode.EACH and len(holders) > 1:
            all_label = render("return_button", lang, kind="all", count=len(holders))
            rows = [
                [await _choice(uow, person, a.id, now, {"step": target, "to": ALL}, all_label)]
            ]
            for holder in holders:
                rows.append(
                    [
                        await _choice(
                            uow, person, a.id, now, {"step": target, "to": holder.id}, holder.name
                        )
                    ]
                )
            body = render(
                "return_choose",
                lang,
                kind="person",
                step_no=target,
                step_title=step_title(back, lang),
            )
            await send_text(uow, person, now, body, rows)
            await uow.commit()
            return None
        one = next((p for p in holders if p.id == to), None) if to not in (None, ALL) else None
        if to not in (None, ALL) and one is None:
            gone = await uow.people.get(str(to))
            raise Refused("person_not_eligible", name=gone.name if gone else "", step_no=target)
        await uow.messaging.set_pending(
            person.id,
            AWAIT_RETURN_NOTE,
            now,
            PROMPT_TTL,
            assignment_id=a.id,
            data={"return_to": target, "to": one.id if one else None},
        )
        prompt = InputPrompt(
            kind=AWAIT_RETURN_NOTE,
            step_no=step.no,
            output=step_output(step, lang),
            return_to=back.no,
            return_title=step_title(back, lang),
            return_person=one.name if one else "",
        )
        await uow.messaging.enqueue(prompt_message(person, prompt), now)
        await uow.commit()
        return prompt

    return await ctx.execute(act)


async def _choice(
    uow: BotUnitOfWork,
    person: Person,
    assignment_id: str,
    now: datetime,
    data: dict[str, Any],
    caption: str,
) -> dict[str, str]:
    """One button of a return's choice (a step, or a person)."""
    token = await uow.messaging.new_token(
        person.id, "return_to", now, assignment_id=assignment_id, data=data
    )
    return {"text": caption, "data": token}


# --- prompts and the task message -----------------------------------------------------------


@dataclass(frozen=True)
class InputPrompt:
    """What the bot now waits for at a step (said to the person in the same transaction)."""

    kind: str
    step_no: int
    output: str
    return_to: int
    return_title: str
    return_person: str = ""  # the one person a return goes to ("" for all, or not a return)


def prompt_message(person: Person, prompt: InputPrompt) -> Outgoing:
    """The message saying what the bot waits for, queued with the state change it follows:
    a prompt queued after the commit would be lost if the process died in between (the
    redelivered update is then skipped as done)."""
    if prompt.kind == AWAIT_UPLOAD:
        return reply(
            person,
            "upload_prompt",
            step_no=prompt.step_no,
            output=prompt.output,
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    return reply(
        person,
        "note_prompt",
        kind=prompt.kind,
        step_no=prompt.step_no,
        output=prompt.output,
        return_to=prompt.return_to,
        return_title=prompt.return_title,
        return_person=prompt.return_person,
    )


async def ask_for_input(
    ctx: AppContext, person: Person, assignment_id: str, kind: str
) -> InputPrompt:
    """Wait for a file (AWAIT_UPLOAD) or a typed note (return note, directions) for a task."""

    async def act(uow: BotUnitOfWork) -> InputPrompt:
        _run, spec, a = await open_assignment(uow, assignment_id, person.id)
        step = spec.step(a.step_no)
        await uow.messaging.set_pending(
            person.id, kind, ctx.clock(), PROMPT_TTL, assignment_id=a.id
        )
        back = spec.step(step.decision.return_to[0]) if step.decision else step
        prompt = InputPrompt(
            kind=kind,
            step_no=step.no,
            output=step_output(step, person.language),
            return_to=back.no,
            return_title=step_title(back, person.language),
        )
        await uow.messaging.enqueue(prompt_message(person, prompt), ctx.clock())
        await uow.commit()
        return prompt

    return await ctx.execute(act)


async def resend_task(ctx: AppContext, person: Person, assignment_id: str) -> None:
    """Send the task message again (with fresh buttons) while the step is open."""

    async def act(uow: BotUnitOfWork) -> None:
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        again = Event(
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
        outcome = Outcome(run=run, spec=spec, events=[again], activated=[a])
        await Notifier(ctx.clock)(outcome, uow)
        await uow.commit()

    await ctx.execute(act)
