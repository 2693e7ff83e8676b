"""Read-only views: /tugas (my open tasks), /status (each active run), /riwayat (audit trail)."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from application.texts import step_title
from handlers.context import bot_context, member, say
from storage.bot_uow import BotUnitOfWork
from workflow.model import EventKind

MAX_HISTORY = 60


async def my_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tugas: my open assignments, most urgent first, with due times and overdue marks."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    now = ctx.clock()
    items: list[dict[str, Any]] = []
    async with ctx.uow_factory() as uow:
        for run in await uow.runs.list_active(person.org_id):
            loaded = await uow.definitions.get(run.sop_name, run.sop_version)
            assert loaded is not None
            for a in run.active_assignments():
                if a.person_id != person.id:
                    continue
                step = loaded.spec.step(a.step_no)
                overdue = 0
                if now > a.due_at:
                    overdue = ctx.calendar_minutes(a.due_at, now)
                items.append(
                    {
                        "run_title": run.title,
                        "step_no": step.no,
                        "step_title": step_title(step, person.language),
                        "due": a.due_at,
                        "overdue_minutes": overdue,
                    }
                )
    items.sort(key=lambda t: t["due"])
    await say(update, "tasks", person.language, items=items)


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status: each active run of my office — current step, who, office time used.

    In a private chat, or in the office's own group; never in another group (no data leaks).
    """
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    chat = update.effective_chat
    now = ctx.clock()
    runs: list[dict[str, Any]] = []
    async with ctx.uow_factory() as uow:
        org = await uow.people.get_org(person.org_id)
        if (
            chat is not None
            and chat.type != "private"
            and (org is None or org.group_chat_id != chat.id)
        ):
            await say(update, "only_private", person.language)
            return
        people = {p.id: p.name for p in await uow.people.all_of_org(person.org_id)}
        for run in await uow.runs.list_active(person.org_id):
            loaded = await uow.definitions.get(run.sop_name, run.sop_version)
            assert loaded is not None
            spec = loaded.spec
            active = run.active_assignments()
            if not active:
                continue
            step = spec.step(active[0].step_no)
            inst = run.step_instance(active[0].step_instance_id)
            used = ctx.calendar_minutes(inst.activated_at, now)
            runs.append(
                {
                    "title": run.title,
                    "sop_title": spec.title,
                    "step_no": step.no,
                    "total_steps": len(spec.steps),
                    "step_title": step_title(step, person.language),
                    "who": [people.get(a.person_id, "?") for a in active],
                    "used_minutes": used,
                    "budget_minutes": step.minutes,
                    "overdue": any(now > a.due_at for a in active),
                }
            )
    await say(update, "status", person.language, runs=runs)


async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/riwayat: the audit trail of my office's most recent run."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    async with ctx.uow_factory() as uow:
        run_id = await uow.messaging.latest_run_id(person.org_id)
        run = await uow.runs.get(run_id) if run_id else None
        if run is None:
            await say(update, "history", person.language, title="", entries=[], truncated=False)
            return
        events = await uow.runs.history(run.id)
        people = {p.id: p.name for p in await uow.people.all_of_org(person.org_id)}
    shown = [e for e in events if e.kind is not EventKind.STEP_ACTIVATED]
    entries = [
        {
            "at": e.at,
            "who": people.get(e.actor_id or "", "Sistem"),
            "kind": e.kind.value,
            "step_no": e.step_no,
            "round": int(e.data.get("round", 1)),
            "person": people.get(e.person_id or "", ""),
            "decision": e.data.get("decision"),
            "docs": len(e.document_ids),
            "note": e.note,
            "minutes": e.data.get("office_minutes"),
            "on_time": e.data.get("on_time"),
        }
        for e in shown[-MAX_HISTORY:]
    ]
    await say(
        update,
        "history",
        person.language,
        title=run.title,
        entries=entries,
        truncated=len(shown) > MAX_HISTORY,
    )


async def toggle_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pengingat: switch my morning digest on or off."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return

    async def act(uow: BotUnitOfWork) -> bool:
        current = await uow.people.get(person.id)
        assert current is not None
        await uow.people.update(dataclasses.replace(current, digest=not current.digest))
        await uow.commit()
        return not current.digest

    on = await ctx.execute(act)
    await say(update, "digest_switched", person.language, on=on, top=person.is_admin)
