"""Deadlines, reminders and escalation in office time, with simulated time, on both databases."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from application.notifier import Notifier
from scheduler.planner import TimerPlanner
from scheduler.sweep import ReminderSweep
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.messaging import Outgoing
from storage.messaging_tables import OutboxRow
from storage.org_import import import_organisation
from tests.integration.conftest import Database, ManualClock
from workflow.office_calendar import OfficeCalendar
from workflow.services import CompleteAssignment, Reassign, StartRun, WorkflowService, combine
from workflow.spec import DEFINITIONS_DIR, LoadedDefinition, parse_definition

WIB = ZoneInfo("Asia/Jakarta")

SOP = """\
name: uji-pengingat
title: Uji pengingat
roles:
  - {id: kepala, name: Kepala}
  - {id: sekretaris, name: Sekretaris, supervisor: kepala}
  - {id: staf, name: Staf, supervisor: sekretaris}
starters: [kepala]
identity:
  peringatan: ["Apabila laporan terlambat, rapat evaluasi tertunda"]
reminders:
  {heads_up_share: 0.8, repeat_every_minutes: 60, repeat_cap: 2, escalate_after_minutes: 120}
steps:
  - {no: 1, title: Kerjakan laporan, actors: [staf], minutes: 240, output: Laporan}
  - {no: 2, title: Periksa laporan, actors: [kepala], minutes: 30, output: Laporan}
"""
ORG = """\
organisation: Kantor Uji
people:
  - {name: Kepala, roles: [kepala], admin: true, telegram_id: 2001}
  - {name: Sekretaris, roles: [sekretaris], telegram_id: 2002}
  - {name: Staf, salutation: Ibu, roles: [staf], telegram_id: 2003}
  - {name: Staf Dua, roles: [staf], telegram_id: 2004}
"""


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


class Office:
    """A running office: service, sweep, clock, and the outbox to read."""

    def __init__(
        self, db: Database, tmp_path: Path, start: str, sop: str = SOP, org: str = ORG
    ) -> None:
        self.sop: LoadedDefinition = parse_definition(sop, "test")
        sop_file = tmp_path / f"{self.sop.spec.name}.yaml"
        sop_file.write_text(sop, encoding="utf-8")
        self.org = org
        self.db = db
        self.factory = partial(BotUnitOfWork, db.sessions, {self.sop.spec.name: sop_file})
        self.clock = ManualClock(wib(start))
        self.calendar = OfficeCalendar()
        publish = combine(Notifier(self.clock), TimerPlanner(self.calendar, self.clock))
        self.svc = WorkflowService(self.calendar, clock=self.clock, publish=publish)
        self.sweeper = ReminderSweep(self.factory, self.calendar, self.clock)
        self.people: dict[str, str] = {}
        self.seen = 0

    async def setup(self) -> str:
        report = await import_organisation(self.factory, self.org, self.sop)
        async with self.factory() as uow:
            self.people = {p.name: p.id for p in await uow.people.all_of_org(report.org_id)}
            people = await uow.people.all_of_org(report.org_id)
            starter = next(p for p in people if p.roles & set(self.sop.spec.starters))
            out = await self.svc.start_run(
                StartRun(report.org_id, self.sop.spec.name, "Uji", starter.id), uow
            )
        await self.messages()  # forget the task notices
        return out.activated[0].id

    def at(self, when: str) -> None:
        self.clock.now = wib(when)

    async def sweep(self, when: str) -> list[dict[str, Any]]:
        self.at(when)
        await self.sweeper.sweep()
        return await self.messages()

    async def messages(self) -> list[dict[str, Any]]:
        """Outbox rows added since the last look: recipient name and text."""
        names = {v: k for k, v in self.people.items()}
        async with self.factory() as uow:
            rows = (
                await uow.session.execute(
                    select(OutboxRow).where(OutboxRow.id > self.seen).order_by(OutboxRow.id)
                )
            ).scalars()
            found = [
                {
                    "to": names.get(r.person_id or "", r.person_id),
                    "text": r.payload["text"],
                    "id": r.id,
                }
                for r in rows
                if r.kind == "text"
            ]
        if found:
            self.seen = found[-1]["id"]
        return found

    async def complete(self, assignment_id: str, person: str) -> None:
        async with self.factory() as uow:
            await self.svc.complete(CompleteAssignment(assignment_id, self.people[person]), uow)


@pytest.fixture
async def office(db: Database, tmp_path: Path) -> Office:
    return Office(db, tmp_path, "2026-11-27 15:00")  # a Friday afternoon


async def test_240_minute_step_started_friday_1500_is_due_monday_1000(office: Office) -> None:
    aid = await office.setup()
    async with office.factory() as uow:
        run = await uow.runs.get_by_assignment(aid)
    assert run is not None
    a = run.assignment(aid)
    assert a is not None and a.due_at.astimezone(WIB) == wib("2026-11-30 10:00")


async def test_heads_up_due_repeats_and_escalation_in_office_time(office: Office) -> None:
    await office.setup()
    # 80 % of 240 = 192 office minutes: Friday's 90, then 102 on Monday -> 09:12.
    assert await office.sweep("2026-11-30 09:11") == []
    heads_up = await office.sweep("2026-11-30 09:12")
    assert [m["to"] for m in heads_up] == ["Staf"] and "segera tiba" in heads_up[0]["text"]
    assert await office.sweep("2026-11-30 09:59") == []
    due = await office.sweep("2026-11-30 10:00")
    assert [m["to"] for m in due] == ["Staf"] and "sudah habis" in due[0]["text"]
    first_repeat = await office.sweep("2026-11-30 11:00")
    assert [m["to"] for m in first_repeat] == ["Staf"] and "terlambat 1 jam" in first_repeat[0][
        "text"
    ]
    # 12:00: the second (last) repeat and the escalation to the Sekretaris fall together:
    # one message to the late official, one to the supervisor.
    noon = await office.sweep("2026-11-30 12:00")
    assert sorted(m["to"] for m in noon) == ["Sekretaris", "Staf"]
    to_staf = next(m["text"] for m in noon if m["to"] == "Staf")
    assert "terlambat 2 jam" in to_staf and "dilaporkan kepada Sekretaris" in to_staf
    to_sek = next(m["text"] for m in noon if m["to"] == "Sekretaris")
    assert "Staf terlambat 2 jam" in to_sek
    assert await office.sweep("2026-11-30 13:00") == []  # the repeat cap (2) is reached
    # Two hours later the escalation goes one level up, to the Kepala.
    top = await office.sweep("2026-11-30 14:00")
    assert sorted(m["to"] for m in top) == ["Kepala", "Staf"]
    assert await office.sweep("2026-11-30 15:59") == []
    assert await office.sweep("2026-12-01 10:00") == []  # nobody above the Kepala
    async with office.factory() as uow:
        assert await uow.timers.pending_count() == 0


async def test_the_escalation_names_the_late_official_and_carries_the_sops_warning(
    office: Office,
) -> None:
    await office.setup()
    for when in ("2026-11-30 09:12", "2026-11-30 10:00", "2026-11-30 11:00"):
        for message in await office.sweep(when):
            assert "Peringatan SOP" not in message["text"]  # reminders, not escalations
    noon = await office.sweep("2026-11-30 12:00")
    to_sek = next(m["text"] for m in noon if m["to"] == "Sekretaris")
    assert "Ibu Staf terlambat 2 jam" in to_sek
    assert "Peringatan SOP: Apabila laporan terlambat, rapat evaluasi tertunda." in to_sek
    to_staf = next(m["text"] for m in noon if m["to"] == "Staf")
    assert "Peringatan SOP: Apabila laporan terlambat" in to_staf


async def test_same_sweep_twice_sends_nothing_twice(office: Office) -> None:
    await office.setup()
    assert len(await office.sweep("2026-11-30 10:00")) == 1
    assert await office.sweep("2026-11-30 10:00") == []


async def test_reminder_falling_due_out_of_hours_waits_for_the_next_opening(
    office: Office,
) -> None:
    await office.setup()
    # The bot was down all Monday; at 17:00 the office is closed, so nothing goes out.
    assert await office.sweep("2026-11-30 17:00") == []
    # At 07:30 on Tuesday everything due meanwhile goes out, folded into one message each.
    # (Follow-ups count from when a timer really fired, so the next level waits two hours.)
    morning = await office.sweep("2026-12-01 07:30")
    assert sorted(m["to"] for m in morning) == ["Sekretaris", "Staf"]
    staf = next(m["text"] for m in morning if m["to"] == "Staf")
    assert "segera tiba" in staf and "sudah habis" in staf and "dilaporkan" in staf


async def test_completion_just_before_the_due_time_cancels_the_reminder(office: Office) -> None:
    aid = await office.setup()
    assert len(await office.sweep("2026-11-30 09:12")) == 1  # the heads-up
    office.at("2026-11-30 09:59")
    await office.complete(aid, "Staf")
    await office.messages()
    assert await office.sweep("2026-11-30 10:00") == []
    later = await office.sweep("2026-11-30 12:00")
    assert [m["to"] for m in later] == ["Kepala"]  # only step 2's own reminder, to its actor
    assert "langkah 2" in later[0]["text"]
    async with office.factory() as uow:
        run = await uow.runs.get_by_assignment(aid)
    assert run is not None
    # The time spent is on the record: 90 + 149 office minutes, on time.
    done = run.assignment(aid)
    assert done is not None and done.data["office_minutes"] == 239 and done.data["on_time"]


async def test_reassigned_work_is_not_reminded_to_the_old_holder(office: Office) -> None:
    aid = await office.setup()
    office.at("2026-11-30 08:00")
    async with office.factory() as uow:
        await office.svc.reassign(
            Reassign(aid, office.people["Kepala"], office.people["Staf Dua"]), uow
        )
    await office.messages()
    due = await office.sweep("2026-11-30 10:00")
    assert due == []  # Staf's timers are gone; Staf Dua got a fresh budget (due 12:00)
    fresh = await office.sweep("2026-11-30 12:00")
    assert [m["to"] for m in fresh] == ["Staf Dua"]


async def test_holiday_and_cuti_bersama_are_skipped(db: Database, tmp_path: Path) -> None:
    office = Office(db, tmp_path, "2026-12-23 14:00")  # Wednesday before Christmas
    aid = await office.setup()
    async with office.factory() as uow:
        run = await uow.runs.get_by_assignment(aid)
    assert run is not None
    a = run.assignment(aid)
    # 120 minutes on Wednesday; Thu 24 Dec (cuti bersama), Fri 25 Dec (Natal) and the weekend
    # are closed; the other 120 minutes on Monday 28 Dec from 07:30.
    assert a is not None and a.due_at.astimezone(WIB) == wib("2026-12-28 09:30")
    assert await office.sweep("2026-12-24 10:00") == []  # closed: nothing goes out


async def test_crash_after_claiming_before_writing_sends_once_later(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    await office.setup()
    office.at("2026-11-30 10:00")
    original = BotUnitOfWork.commit

    async def crash(self: BotUnitOfWork) -> None:
        raise ConnectionError("the process died here")

    monkeypatch.setattr(BotUnitOfWork, "commit", crash)
    with pytest.raises(ConnectionError):
        await office.sweeper.sweep()
    monkeypatch.setattr(BotUnitOfWork, "commit", original)
    assert await office.messages() == []
    sent = await office.sweep("2026-11-30 10:01")
    assert [m["to"] for m in sent] == ["Staf"]  # heads-up and due, once, in one message
    assert await office.sweep("2026-11-30 10:02") == []


async def test_two_instances_sweeping_at_once_never_double_send(office: Office) -> None:
    await office.setup()
    office.at("2026-11-30 12:00")
    engines = [make_engine(office.db.url) for _ in range(2)]
    try:
        sweepers = [
            ReminderSweep(
                partial(BotUnitOfWork, make_session_factory(e)), office.calendar, office.clock
            )
            for e in engines
        ]
        reports = await asyncio.gather(*(s.sweep() for s in sweepers), return_exceptions=True)
    finally:
        for e in engines:
            await e.dispose()
    claimed = sum(r.claimed for r in reports if not isinstance(r, BaseException))
    assert claimed == 3  # heads-up, due, escalation level 1 (repeats follow when due fires)
    messages = await office.messages()
    assert sorted(m["to"] for m in messages) == ["Sekretaris", "Staf"]


async def test_morning_digest_once_per_office_day_for_those_who_asked(office: Office) -> None:
    await office.setup()
    async with office.factory() as uow:
        for name in ("Kepala", "Staf"):
            person = await uow.people.get(office.people[name])
            assert person is not None
            await uow.people.update(dataclasses.replace(person, digest=True))
        await uow.commit()
    office.at("2026-11-28 08:00")  # Saturday: no digest
    assert await office.sweeper.digest() == 0
    office.at("2026-11-30 07:29")
    assert await office.sweeper.digest() == 0
    office.at("2026-11-30 07:30")
    assert await office.sweeper.digest() == 2
    office.at("2026-11-30 09:00")
    assert await office.sweeper.digest() == 0
    texts = {m["to"]: m["text"] for m in await office.messages()}
    assert "Kerjakan laporan" in texts["Staf"]
    assert "Tidak ada tugas terbuka" in texts["Kepala"]
    # A message Telegram refused for good overnight shows in the administrator's digest.
    office.at("2026-11-30 20:00")
    async with office.factory() as uow:
        org_id = (await uow.people.get(office.people["Staf"])).org_id  # type: ignore[union-attr]
        await uow.messaging.enqueue(
            Outgoing("text", {"text": "x"}, person_id=office.people["Staf"], org_id=org_id),
            office.clock(),
        )
        await uow.session.flush()
        row = (
            await uow.session.execute(select(OutboxRow.id).order_by(OutboxRow.id.desc()))
        ).scalar()
        await uow.messaging.mark_failed(int(row), office.clock(), "403: bot was blocked")
        await uow.commit()
    await office.messages()
    office.at("2026-12-01 07:30")
    assert await office.sweeper.digest() == 2
    texts = {m["to"]: m["text"] for m in await office.messages()}
    assert "Terlambat di kantor Anda" in texts["Kepala"] and "Staf" in texts["Kepala"]
    assert "1 pesan tidak dapat dikirim" in texts["Kepala"]
    assert "tidak dapat dikirim" not in texts["Staf"]  # only administrators are told


MAIL_ORG = """\
organisation: Kecamatan Surat
people:
  - {name: Camat, roles: [camat], admin: true, telegram_id: 3001}
  - {name: Sekcam, roles: [sekretaris], telegram_id: 3002}
  - {name: Kasubag, roles: [kasubag_umum], telegram_id: 3003}
  - {name: Kasi, roles: [kasi], telegram_id: 3004}
  - {name: Admin Umum, roles: [pengadministrasi_umum], telegram_id: 3005}
"""


async def test_the_second_sop_reminds_its_own_actor_and_escalates_by_its_own_roles(
    db: Database, tmp_path: Path
) -> None:
    text = (DEFINITIONS_DIR / "pengelolaan-surat-masuk.yaml").read_text(encoding="utf-8")
    mail = Office(db, tmp_path, "2026-11-30 08:00", sop=text, org=MAIL_ORG)  # Monday
    await mail.setup()
    policy = mail.sop.spec.reminders
    step = mail.sop.spec.step(1)
    assert step.actors == ["pengadministrasi_umum"] and policy.escalate_after_minutes

    due = await mail.sweep("2026-11-30 08:15")  # step 1's 15 minutes are over
    assert [m["to"] for m in due] == ["Admin Umum"]
    late = 8 * 60 + 15 + policy.escalate_after_minutes
    escalated = await mail.sweep(f"2026-11-30 {late // 60:02d}:{late % 60:02d}")
    # The clerk's supervisor in this SOP is the Kasubag Umum (not a role of Pengukuran Kinerja).
    assert "Kasubag" in {m["to"] for m in escalated}
    to_clerk = next(m["text"] for m in escalated if m["to"] == "Admin Umum")
    assert mail.sop.spec.role("kasubag_umum").name in to_clerk
    to_kasubag = next(m["text"] for m in escalated if m["to"] == "Kasubag")
    assert "Admin Umum" in to_kasubag and step.title[:30] in to_kasubag
