"""Use cases of a run, from the buttons on task messages and the answers typed to them.

Start a run (choose the SOP, type the title, confirm or cancel), the disposition (hold the
directions, dispose with a sifat), Selesai, approve or return with a note, ask for a file or a
note, and send a task's message again. Each takes plain values, runs in one unit of work and
either returns what the adapter needs to answer or raises `Refused` with nothing changed. Who
may act on a task is checked in one place: `workflow.services.open_assignment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from application.context import PROMPT_TTL, AppContext
from application.notifier import Ack, Notifier, next_actor
from application.texts import named, reply, role_names, step_output, step_title, text
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import ButtonToken, Outgoing, PendingInput
from workflow.errors import Refused
from workflow.model import Event, EventKind, Person
from workflow.services import (
    CompleteAssignment,
    Decide,
    Outcome,
    StartRun,
    following_step,
    open_assignment,
    starter_names,
)
from workflow.spec import SopDefinition

# Pending input kinds (what the bot waits for from a person).
AWAIT_UPLOAD = "upload"
AWAIT_RETURN_NOTE = "return_note"
AWAIT_ARAHAN = "arahan"
HOLD_ARAHAN = "disposition"  # directions written, waiting for the urgency button
AWAIT_TITLE = "title"

SIFAT = {"biasa": "sifat_biasa", "segera": "sifat_segera", "sangat_segera": "sifat_sangat_segera"}
MAX_DIRECTIONS = 3000
MAX_TITLE = 200


# --- what a tap or a typed message refers to ------------------------------------------------


async def button(ctx: AppContext, data: str) -> ButtonToken | None:
    """The meaning of a button's callback data (None when unknown or expired)."""
    async with ctx.uow_factory() as uow:
        return await uow.messaging.token(data)


async def pending_input(ctx: AppContext, person_id: str) -> PendingInput | None:
    """What the bot is waiting for from this person, if anything."""
    async with ctx.uow_factory() as uow:
        return await uow.messaging.pending(person_id, ctx.clock())


# --- acknowledgements -----------------------------------------------------------------------


def ack_done(person: Person) -> Ack:
    """The reply to whoever finished their part: what it did and where the run goes next."""

    def ack(outcome: Outcome) -> Sequence[Outgoing]:
        done = [e for e in outcome.events if e.kind is EventKind.ASSIGNMENT_COMPLETED]
        if not done:
            return []
        a = outcome.run.assignment(done[0].assignment_id or "")
        assert a is not None
        spec = outcome.spec
        step = spec.step(a.step_no)
        lang = person.language
        if step.disposition:
            sifat = label(SIFAT.get(str(a.data.get("sifat")), "sifat_biasa"), lang)
            return [
                reply(
                    person,
                    "ack_disposition",
                    sifat=sifat,
                    next_actor=next_actor(spec, step, lang),
                )
            ]
        if step.decision is not None:
            back = spec.step(step.decision.return_to)
            return [
                reply(
                    person,
                    "ack_decision",
                    approved=a.data.get("decision") == "approved",
                    return_to=back.no,
                    return_title=step_title(back, lang),
                )
            ]
        waiting = sum(1 for x in outcome.run.assignments_of(a.step_instance_id) if x.is_active)
        return [
            reply(
                person,
                "ack_done",
                step_no=step.no,
                step_title=step_title(step, lang),
                name=named(person, lang),
                waiting=waiting,
            )
        ]

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


async def ask_for_sop(ctx: AppContext, person: Person) -> None:
    """/mulai: ask for the title (one SOP allowed) or which SOP (several)."""
    allowed, refusal = _startable(ctx, person)
    if not allowed:
        raise refusal

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        buttons = None
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
        await uow.messaging.enqueue(
            Outgoing("text", text(body, buttons), person_id=person.id, org_id=person.org_id), now
        )
        await uow.commit()

    await ctx.execute(act)


async def choose_sop(ctx: AppContext, person: Person, sop: str) -> str:
    """The SOP was chosen: wait for the title; returns the SOP's title."""

    async def act(uow: BotUnitOfWork) -> str:
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        await uow.messaging.set_pending(
            person.id, AWAIT_TITLE, ctx.clock(), PROMPT_TTL, data={"sop": sop}
        )
        await uow.commit()
        return loaded.spec.title

    return await ctx.execute(act)


async def confirm_title(ctx: AppContext, person: Person, sop: str, body: str) -> None:
    """The title was typed: ask to confirm starting the SOP with it."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        loaded = await uow.definitions.current(sop)
        if loaded is None:
            raise Refused("unknown_sop", sop=sop)
        title = body.strip()
        if not title:
            raise Refused("title_required", sop=loaded.spec.title)
        if len(title) > MAX_TITLE:
            raise Refused("text_too_long", limit=MAX_TITLE, length=len(title))
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


async def start_run(ctx: AppContext, person: Person, sop: str, title: str) -> Outcome:
    """Confirmed: start the run (its first tasks go out through the notifier)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        return await ctx.service().start_run(StartRun(person.org_id, sop, title, person.id), uow)

    return await ctx.execute(act)


async def cancel_start(ctx: AppContext, person: Person) -> None:
    """Not now: forget the offered start."""

    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.delete_tokens_of(person.id, "start_confirm")
        await uow.commit()

    await ctx.execute(act)


# --- the disposition ------------------------------------------------------------------------


async def hold_directions(ctx: AppContext, person: Person, assignment_id: str, body: str) -> None:
    """Keep the directions written for a disposition and ask for its urgency (fresh buttons)."""
    if len(body) > MAX_DIRECTIONS:
        raise Refused("text_too_long", limit=MAX_DIRECTIONS, length=len(body))

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        await open_assignment(uow, assignment_id, person.id)
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


async def dispose(ctx: AppContext, person: Person, assignment_id: str, sifat: str) -> Outcome:
    """Issue the disposition with its urgency (and the directions held for it, if any)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        held = await uow.messaging.pending(person.id, ctx.clock())
        arahan = None
        if held and held.kind == HOLD_ARAHAN and held.assignment_id == assignment_id:
            arahan = held.data.get("arahan")
        data: dict[str, Any] = {"sifat": sifat, "arahan": arahan}
        _run, spec, a = await open_assignment(uow, assignment_id, person.id)
        following = following_step(spec, spec.step(a.step_no))
        if following is not None:
            data["diteruskan_kepada"] = role_names(spec, following.actors[:1], "id")
        await uow.messaging.clear_pending(person.id)
        cmd = CompleteAssignment(assignment_id, person.id, note=arahan, data=data)
        return await ctx.service(ack_done(person)).complete(cmd, uow)

    return await ctx.execute(act)


# --- finishing, deciding --------------------------------------------------------------------


async def complete(ctx: AppContext, person: Person, assignment_id: str) -> Outcome:
    """Selesai: my part of the step is done."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        cmd = CompleteAssignment(assignment_id, person.id)
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
    """Kembalikan: back to the step the SOP names, with what to fix (opens it afresh)."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        await uow.messaging.clear_pending(person.id)
        cmd = Decide(assignment_id, person.id, approve=False, note=note)
        return await ctx.service(ack_done(person)).decide(cmd, uow)

    return await ctx.execute(act)


# --- prompts and the task message -----------------------------------------------------------


@dataclass(frozen=True)
class InputPrompt:
    """What the bot now waits for at a step (the adapter says so in the person's language)."""

    kind: str
    step_no: int
    output: str
    return_to: int
    return_title: str


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
        await uow.commit()
        back = spec.step(step.decision.return_to) if step.decision else step
        return InputPrompt(
            kind=kind,
            step_no=step.no,
            output=step_output(step, person.language),
            return_to=back.no,
            return_title=step_title(back, person.language),
        )

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
