"""A partial return at a review (issue 12): the reviewer picks the indicators to be reported
again; only the Kasi answering for them redo the collect step, and only for those.

After "Kembalikan" chooses a collect step of a run that measures, the reviewer gets the
period's indicators as toggle buttons, a few per screen (☐ / ☑, ⬅️ ➡️, Lanjut), or "Semua
indikator" to return the whole step as before. The choice is kept in the pending input;
"Lanjut" turns it into the people responsible and asks for the note; `runs.return_with_note`
sends the return with both, and the reopened round records the codes
(`StepInstance.returned_items`). What such a round asks, refuses and shows is in
`measure_flow`, `realisation_chat` and `measure_publisher`, through `measuring.round_items`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.context import PROMPT_TTL, AppContext
from application.measuring import Measuring, measuring, sections_of
from application.pending_kinds import ALL, AWAIT_RETURN_NOTE, AWAIT_RETURN_PICK
from application.texts import reply, send_text, step_output, step_title
from messages.formatting import format_number
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.indicators import Indicator, IndicatorKind, Realisation
from workflow.model import Assignment, Person, Run
from workflow.services import open_assignment
from workflow.spec import Measurement, SopDefinition, Step

PAGE_SIZE = 5  # indicators per screen: a phone shows the buttons without scrolling
PICK = "return_pick"  # the buttons' action


async def returnable(uow: BotUnitOfWork, run: Run, back: Step) -> Measuring | None:
    """The run's measurement when a return to `back` can pick indicators: `back` collects
    realisations and the run measures a period; else None."""
    if back.measurement is not Measurement.COLLECT:
        return None
    return await measuring(uow, run)


def _shown(indicator: Indicator, r: Realisation | None) -> str:
    """A reported value as the picker lists it ("84,5 indeks", "ada", "—")."""
    if r is None:
        return "—"
    if indicator.kind is IndicatorKind.QUALITATIVE:
        return "ada" if r.value > 0 else "tidak"
    return f"{format_number(r.value)} {indicator.unit}".strip()


async def _holders(uow: BotUnitOfWork, run: Run, back: Step) -> list[Person]:
    """The active holders of the returned step's role."""
    return [p for p in await uow.people.of_org(run.org_id) if back.actors[0] in p.roles]


def responsible(m: Measuring, holders: Sequence[Person], codes: Sequence[str]) -> list[Person]:
    """The holders answering for any of these indicators (by name or by role)."""
    wanted = {i.responsible for i in m.indicators if i.code in codes}
    return [p for p in holders if sections_of(p, sorted(wanted))]


@dataclass(frozen=True)
class Picker:
    """One screen of the indicator choice: its text and its buttons."""

    text: str
    rows: list[list[dict[str, str]]]


async def _picker(
    uow: BotUnitOfWork,
    person: Person,
    a: Assignment,
    now: datetime,
    m: Measuring,
    back: Step,
    codes: Sequence[str],
    page: int,
) -> Picker:
    """The screen for `page` with `codes` ticked (fresh tokens; the old ones are voided)."""
    lang = person.language
    await uow.messaging.delete_tokens_of(person.id, PICK)
    indicators = m.indicators
    pages = max(1, -(-len(indicators) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = indicators[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    reported = await m.reported(uow)
    holders = await _holders(uow, m.run, back)

    async def button(caption: str, data: dict[str, Any], action: str = PICK) -> dict[str, str]:
        token = await uow.messaging.new_token(
            person.id, action, now, assignment_id=a.id, data=data
        )
        return {"text": caption, "data": token}

    rows = [
        [await button(f"{'☑' if i.code in codes else '☐'} {i.code}", {"toggle": i.code})]
        for i in shown
    ]
    nav = []
    if page > 0:
        nav.append(await button("⬅️", {"page": page - 1}))
    if page < pages - 1:
        nav.append(await button("➡️", {"page": page + 1}))
    if nav:
        rows.append(nav)
    go = f"{label('next_', lang)} ({len(codes)})"
    rows.append([await button(go, {"go": True})])
    every = render("return_button", lang, kind="all_indicators")
    rows.append([await button(every, {"step": back.no, "to": ALL}, action="return_to")])
    lines = [
        {
            "code": i.code,
            "name": i.name,
            "value": _shown(i, reported.get(i.code)),
            "who": ", ".join(p.name for p in responsible(m, holders, [i.code])) or i.responsible,
            "ticked": i.code in codes,
        }
        for i in shown
    ]
    body = render(
        "return_pick",
        lang,
        step_no=back.no,
        step_title=step_title(back, lang),
        lines=lines,
        page=page + 1,
        pages=pages,
        chosen=list(codes),
    )
    return Picker(body, rows)


async def _held_picker(
    uow: BotUnitOfWork,
    person: Person,
    a: Assignment,
    now: datetime,
    m: Measuring,
    back: Step,
    codes: list[str],
    page: int,
) -> Picker:
    """Hold the choice so far (the step returned to, the codes ticked, the page) as the
    pending answer, and build its screen."""
    await uow.messaging.set_pending(
        person.id,
        AWAIT_RETURN_PICK,
        now,
        PROMPT_TTL,
        assignment_id=a.id,
        data={"return_to": back.no, "codes": codes, "page": page},
    )
    return await _picker(uow, person, a, now, m, back, codes, page)


async def offer_indicators(
    uow: BotUnitOfWork, now: datetime, person: Person, a: Assignment, m: Measuring, back: Step
) -> None:
    """Start the choice: nothing ticked, the first screen sent (in the caller's unit of work)."""
    shown = await _held_picker(uow, person, a, now, m, back, [], 0)
    await send_text(uow, person, now, shown.text, shown.rows)


async def _choosing(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, assignment_id: str
) -> tuple[Measuring, SopDefinition, Assignment, Step, dict[str, Any]]:
    """The open review, its measurement, the step returned to and the choice so far; refused
    when the choice is no longer open (answered, expired, or another one started)."""
    run, spec, a = await open_assignment(uow, assignment_id, person.id)
    held = await uow.messaging.pending(person.id, ctx.clock())
    if held is None or held.kind != AWAIT_RETURN_PICK or held.assignment_id != a.id:
        raise Refused("return_pick_expired", step_no=a.step_no)
    back = spec.step(int(held.data["return_to"]))
    m = await returnable(uow, run, back)
    if m is None:
        raise Refused("return_pick_expired", step_no=a.step_no)
    return m, spec, a, back, dict(held.data)


async def pick(
    ctx: AppContext,
    person: Person,
    assignment_id: str,
    toggle: str | None = None,
    page: int | None = None,
) -> Picker:
    """A tap on the choice: tick or untick an indicator, or turn the page; the screen to show
    in place of the tapped one."""

    async def act(uow: BotUnitOfWork) -> Picker:
        m, _spec, a, back, data = await _choosing(uow, ctx, person, assignment_id)
        codes = [str(c) for c in data.get("codes") or ()]
        known = [i.code for i in m.indicators]
        if toggle is not None and toggle in known:
            codes = [c for c in codes if c != toggle] if toggle in codes else [*codes, toggle]
        codes = [c for c in known if c in codes]  # the set's order
        at = int(page if page is not None else data.get("page", 0))
        now = ctx.clock()
        shown = await _held_picker(uow, person, a, now, m, back, codes, at)
        await uow.commit()
        return shown

    return await ctx.execute(act)


async def picked(ctx: AppContext, person: Person, assignment_id: str) -> list[str]:
    """Lanjut: the chosen indicators and the Kasi answering for them are held for the return,
    and the note is asked for (the prompt names both); returns the codes."""

    async def act(uow: BotUnitOfWork) -> list[str]:
        m, spec, a, back, data = await _choosing(uow, ctx, person, assignment_id)
        codes = [str(c) for c in data.get("codes") or ()]
        if not codes:
            raise Refused("return_pick_empty")
        people = responsible(m, await _holders(uow, m.run, back), codes)
        if not people:
            role = spec.role(back.actors[0]).name
            raise Refused("return_pick_nobody", codes=", ".join(codes), role=role)
        now = ctx.clock()
        await uow.messaging.delete_tokens_of(person.id, PICK)
        await uow.messaging.set_pending(
            person.id,
            AWAIT_RETURN_NOTE,
            now,
            PROMPT_TTL,
            assignment_id=a.id,
            data={"return_to": back.no, "people": [p.id for p in people], "items": codes},
        )
        step = spec.step(a.step_no)
        prompt = reply(
            person,
            "note_prompt",
            kind=AWAIT_RETURN_NOTE,
            step_no=step.no,
            output=step_output(step, person.language),
            return_to=back.no,
            return_title=step_title(back, person.language),
            return_person=", ".join(p.name for p in people),
            items=codes,
        )
        await uow.messaging.enqueue(prompt, now)
        await uow.commit()
        return codes

    return await ctx.execute(act)
