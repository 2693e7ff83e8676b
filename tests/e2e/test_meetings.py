"""End to end: meetings (SOP steps 4–5) — the real bot against the emulator, on simulated time.

The bot runs in this process (as in the demo) so its clock can be moved: it still polls the
emulator over HTTP and sends through the outbox like the bot process. The sweeps are called
right after the clock is moved (their jobs run too; alarms are claimed once either way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pydantic import SecretStr

from bot.app import Runtime, build_runtime, start, stop
from bot.demo import OFFICIALS, SimClock, sample_org_text
from bot.emulator import EmulatorServer
from bot.emulator.world import MessageRecord
from bot.settings import Settings
from bot.simulation import (
    MEETING_START,
    RSVP,
    SCHEDULE,
    Officials,
    Script,
    has_button,
    sample_pdf,
)
from storage.org_import import import_organisation
from tests.e2e.harness import TIMEOUT, eventually
from workflow.meetings import Meeting, Rsvp
from workflow.office_calendar import OfficeCalendar
from workflow.spec import resolve_definition

CAMAT, SITI, BUDI, DEWI, RINA = (o.user_id for o in OFFICIALS)
JOKO = 1006  # bound to a Telegram account, but never started the bot
WIB = ZoneInfo("Asia/Jakarta")
ORG = (
    sample_org_text()
    + '  - {name: "Joko Widodo", roles: [anggota_tim_sakip], telegram_id: 1006}\n'
)


@dataclass
class Office:
    emu: EmulatorServer
    runtime: Runtime
    clock: SimClock
    group: int
    officials: Officials


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The sample Kecamatan with its group, the bot running on a simulated clock."""
    async with EmulatorServer(port=0) as emu:
        settings = Settings(
            BOT_TOKEN=SecretStr(emu.bot_token),
            TELEGRAM_API_URL=emu.base_url,
            TELEGRAM_FILE_URL=emu.base_file_url,
            KINERJA_DATA_DIR=tmp_path,
        )
        clock = SimClock(OfficeCalendar(settings.office().calendar))  # Mon 30 Nov 08:00 WIB
        runtime = await build_runtime(settings, clock=clock)
        await import_organisation(
            runtime.ctx.uow_factory, ORG, resolve_definition("pengukuran-kinerja")
        )
        for o in OFFICIALS:
            emu.add_user(o.user_id, first_name=o.name)
        emu.add_user(JOKO, first_name="Joko")
        await start(runtime, timeout=1)
        try:
            for o in OFFICIALS[:4]:
                emu.start_bot(o.user_id)
            group = emu.create_group("Kantor", [o.user_id for o in OFFICIALS], creator_id=CAMAT)
            emu.add_bot_to_group(group.id, by_user_id=CAMAT)
            mark = emu.mark()
            emu.send_command(CAMAT, "hubungkan", chat_id=group.id)
            await emu.wait_for_message(group.id, since=mark, timeout=TIMEOUT)
            officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
            yield Office(emu, runtime, clock, group.id, officials)
        finally:
            await stop(runtime)


async def to_step_4(office: Office) -> MessageRecord:
    """Play steps 1–3; return Budi's step-4 task (with *Jadwalkan rapat*)."""
    officials, emu = office.officials, office.emu
    await officials.start_run(CAMAT, Script())
    while True:
        task = await emu.wait_for(officials._open_task, timeout=TIMEOUT)
        officials.handled.add((task.chat_id, task.message_id))
        if has_button(task, *SCHEDULE):
            return task
        await officials._act(task, Script())


async def tap(emu: EmulatorServer, user: int, m: MessageRecord, label: str) -> int:
    mark = emu.mark()
    emu.tap_button(user, m.chat_id, m.message_id, button_text=label)
    return mark


async def with_button(emu: EmulatorServer, chat: int, label: str, since: int) -> MessageRecord:
    def found() -> MessageRecord | None:
        for m in emu.sent_messages(chat_id=chat, since=since):
            if any(b.get("text") == label for b in m.buttons):
                return m
        return None

    message: MessageRecord | None = await emu.wait_for(found, timeout=TIMEOUT)
    assert message is not None
    return message


async def say(emu: EmulatorServer, user: int, body: str, expect: str = "") -> MessageRecord:
    mark = emu.mark()
    emu.send_text(user, body)
    return await emu.wait_for_message(user, expect, since=mark, timeout=TIMEOUT)


async def answers_recorded(runtime: Runtime, expected: dict[int, Rsvp]) -> Meeting | None:
    """The meeting once each of these officials' answers is stored (None until then)."""
    async with runtime.ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        assert org is not None
        run_id = await uow.messaging.latest_run_id(org.id)
        meetings = await uow.meetings.of_run(run_id) if run_id else []
        people = {p.telegram_id: p.id for p in await uow.people.all_of_org(org.id)}
    if not meetings:
        return None
    meeting = meetings[-1]
    for user, rsvp in expected.items():
        inv = meeting.invitee(people[user])
        if inv is None or inv.rsvp is not rsvp:
            return None
    return meeting


def ics_of(m: MessageRecord) -> Calendar:
    assert m.file_name is not None and m.file_name.endswith(".ics")
    assert m.file_bytes is not None
    return Calendar.from_ical(m.file_bytes)


def event_of(cal: Calendar) -> dict[str, object]:
    (event,) = cal.walk("VEVENT")
    return {
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "start": event.decoded("DTSTART"),
        "attendees": sorted(str(a.params["CN"]) for a in event.get("ATTENDEE")),
        "method": str(cal["METHOD"]),
    }


async def schedule(office: Office, when: str) -> int:
    """Budi answers the dialog (typed date and time) and sends; returns the mark before."""
    emu = office.emu
    task = await to_step_4(office)
    mark = await tap(emu, BUDI, task, SCHEDULE[0])
    await with_button(emu, BUDI, "▶️", mark)  # the calendar
    await say(emu, BUDI, when, "📍")
    agenda = await say(emu, BUDI, "Aula Kantor Kecamatan", "📝")
    mark = await tap(emu, BUDI, agenda, "Pakai usulan")
    people = await with_button(emu, BUDI, "Lanjut ➡️", mark)
    # Rina is invited by default (a SAKIP team member); take her off and on again.
    names = [b["text"] for b in people.buttons]
    assert "✅ Rina Marlina" in names and "✅ Joko Widodo" in names
    mark = await tap(emu, BUDI, people, "Lanjut ➡️")
    confirm = await emu.wait_for_message(BUDI, "Periksa undangan", since=mark, timeout=TIMEOUT)
    send = next(b["text"] for b in confirm.buttons if b["text"].startswith("📨"))
    mark = await tap(emu, BUDI, confirm, send)
    await emu.wait_for_message(BUDI, "undangan-rapat.ics", since=mark, timeout=TIMEOUT)
    return mark


async def test_meeting_invite_rsvp_reminders_reschedule_and_minutes(office: Office) -> None:
    emu, runtime, clock = office.emu, office.runtime, office.clock
    assert runtime.meetings is not None
    sent = await schedule(office, "Selasa 1 Des 09.00")

    # The group gets the live message, the letter and the .ics; so does each invitee.
    group_post = await emu.wait_for_message(
        office.group, "Undangan rapat", since=sent, timeout=TIMEOUT
    )
    await emu.wait_for_message(office.group, "undangan-rapat.pdf", since=sent, timeout=TIMEOUT)
    group_ics = await emu.wait_for_message(
        office.group, "undangan-rapat.ics", since=sent, timeout=TIMEOUT
    )
    letter = await emu.wait_for_message(CAMAT, "undangan-rapat.pdf", since=sent, timeout=TIMEOUT)
    assert (letter.file_bytes or b"").startswith(b"%PDF")
    invite_ics = await emu.wait_for_message(
        CAMAT, "undangan-rapat.ics", since=sent, timeout=TIMEOUT
    )
    first = event_of(ics_of(invite_ics))
    assert first["method"] == "REQUEST" and first["sequence"] == 0
    start = first["start"]
    assert isinstance(start, datetime)
    assert start.tzinfo is not None and str(start.tzinfo) == "Asia/Jakarta"
    assert start == datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    assert first["attendees"] == sorted(
        ["Drs. Ahmad Suryana", "Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Rina Marlina",
         "Joko Widodo"]
    )  # fmt: skip
    assert event_of(ics_of(group_ics))["uid"] == first["uid"]
    assert "Belum menjawab: 5" in (group_post.text or "")

    # Rina has no Telegram account yet: Budi is told at once. Joko never started the bot:
    # Telegram refuses (403), and the sweep (the test's or the job's) tells Budi.
    await emu.wait_for_message(BUDI, "Rina Marlina", since=sent, timeout=TIMEOUT)

    async def joko_reported() -> bool:
        await runtime.meetings.delivery()  # type: ignore[union-attr]
        return any("Joko Widodo" in (m.text or "") for m in emu.sent_messages(BUDI, sent))

    await eventually(joko_reported, "the organiser told that Joko could not be reached")

    # Three answers in a burst while the clock stands still: the group message is edited at
    # most once per interval (the meeting job may take the first answer at once), then once
    # more when the interval has passed — never once per answer.
    edits_before = len(emu.calls("editMessageText"))
    for user, choice, text in (
        (CAMAT, "yes", ""),
        (SITI, "no", "Dinas luar ke kabupaten"),
        (DEWI, "delegate", "Pak Asep, staf seksi"),
    ):
        invitation = await with_button(
            emu, user, RSVP[choice][0] if user != DEWI else RSVP[choice][1], sent
        )
        mark = await tap(
            emu, user, invitation, RSVP[choice][0] if user != DEWI else RSVP[choice][1]
        )
        await emu.wait_for_message(user, since=mark, timeout=TIMEOUT)
        if text:
            await say(emu, user, text)
    answered: Meeting = await eventually(
        partial(answers_recorded, runtime, {CAMAT: Rsvp.ATTENDING, SITI: Rsvp.NOT_ATTENDING,
                                            DEWI: Rsvp.DELEGATED}),
        "the three answers recorded",
    )  # fmt: skip
    assert answered.counts()["pending"] == 2  # Rina and Joko
    clock.now = clock.now.replace(second=30)  # more than the edit interval later
    report = await runtime.meetings.group_edits()
    assert report.edits <= 1

    def live_text() -> str | None:
        live = emu.message(office.group, group_post.message_id)
        text = (live.text or "") if live is not None else ""
        done = "Tidak hadir: 1 — Siti Rahmawati" in text and "Dewi Lestari (Pak Asep" in text
        return text if done else None

    text = await eventually(live_text, "the group message showing all three answers")
    assert "Hadir: 2" in text and "Drs. Ahmad Suryana" in text
    assert "Dewi Lestari (Pak Asep, staf seksi)" in text
    await runtime.dispatcher.settle()
    assert 1 <= len(emu.calls("editMessageText")) - edits_before <= 2
    live = emu.message(office.group, group_post.message_id)
    assert live is not None and live.buttons  # the answer buttons stay on the live message

    # The day before (Monday 09:00) and one hour before (Tuesday 08:00): reminders to those
    # attending or not answered (the Camat, Budi) but not to Siti (not attending) or Dewi.
    for expected_at, lead in ((datetime(2026, 11, 30, 9, 0, tzinfo=WIB), "besok"),
                              (datetime(2026, 12, 1, 8, 0, tzinfo=WIB), "1 jam")):  # fmt: skip
        mark = emu.mark()
        clock.now = expected_at.astimezone(UTC)
        await runtime.meetings.alarms()
        for user in (CAMAT, BUDI):
            reminder = await emu.wait_for_message(
                user, "Pengingat rapat", since=mark, timeout=TIMEOUT
            )
            assert lead in (reminder.text or "")
        await runtime.dispatcher.settle()
        assert not [
            m for m in emu.sent_messages(chat_id=SITI, since=mark) if "Pengingat" in (m.text or "")
        ]
        assert not [
            m for m in emu.sent_messages(chat_id=DEWI, since=mark) if "reminder" in (m.text or "")
        ]

    # Budi reschedules to Wednesday 10.00: everyone gets an update with the same UID.
    step5 = await with_button(emu, BUDI, "🔁 Jadwal ulang", sent)
    mark = await tap(emu, BUDI, step5, "🔁 Jadwal ulang")
    await with_button(emu, BUDI, "▶️", mark)
    confirm = await say(emu, BUDI, "Rabu 2 Des 10.00", "Periksa undangan")
    mark = await tap(emu, BUDI, confirm, confirm.buttons[0]["text"])
    update = await emu.wait_for_message(CAMAT, "Jadwal rapat diubah", since=mark, timeout=TIMEOUT)
    assert "Jadwal lama" in (update.text or "")
    second = event_of(
        ics_of(
            await emu.wait_for_message(CAMAT, "undangan-rapat.ics", since=mark, timeout=TIMEOUT)
        )
    )
    assert second["uid"] == first["uid"] and second["sequence"] == 1
    assert second["start"] == datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
    await emu.wait_for_message(office.group, "Jadwal rapat diubah", since=mark, timeout=TIMEOUT)

    # At the start Budi gets "Mulai rapat", keeps the attendance, uploads minutes and draft.
    mark = emu.mark()
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=WIB).astimezone(UTC)
    await runtime.meetings.alarms()
    alarm = await with_button(emu, BUDI, MEETING_START[0], mark)
    assert "Rapat segera dimulai" in (alarm.text or "")
    mark = await tap(emu, BUDI, alarm, MEETING_START[0])
    attendance = await with_button(emu, BUDI, "💾 Simpan kehadiran", mark)
    mark = await tap(emu, BUDI, attendance, "💾 Simpan kehadiran")
    await emu.wait_for_message(BUDI, "notulen rapat", since=mark, timeout=TIMEOUT)
    mark = emu.mark()
    emu.send_document(BUDI, "notulen.pdf", sample_pdf("Notulen"), "application/pdf")
    await emu.wait_for_message(BUDI, "Notulen tersimpan", since=mark, timeout=TIMEOUT)
    mark = emu.mark()
    emu.send_document(BUDI, "draf.pdf", sample_pdf("Draf"), "application/pdf")
    await emu.wait_for_message(BUDI, "Rapat telah dicatat", since=mark, timeout=TIMEOUT)
    # Step 5 is done: step 6 goes to the SAKIP team members, the minutes are in the record.
    await emu.wait_for_message(DEWI, "Step 6/14", since=mark, timeout=TIMEOUT)
    async with runtime.ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        assert org is not None
        run_id = await uow.messaging.latest_run_id(org.id)
        assert run_id is not None
        run = await uow.runs.get(run_id)
        assert run is not None
        step5_docs = await uow.documents.of_step(run_id, 5)
        (meeting,) = await uow.meetings.of_run(run_id)
    assert meeting.status.value == "held"
    assert {d.name for d in step5_docs} >= {"notulen.pdf", "draf.pdf", "daftar-hadir.pdf"}
    # The minutes, the draft and the daftar hadir made from the recorded attendance (the
    # notulen skeleton sent to fill in is not one of the step's documents).
    done = {d.id: d.name for d in step5_docs if d.id in run.documents_of_step(5)}
    assert sorted(done.values()) == ["daftar-hadir.pdf", "draf.pdf", "notulen.pdf"]


async def test_cancel_refusals_and_group_migration(office: Office) -> None:
    emu, runtime, clock = office.emu, office.runtime, office.clock
    assert runtime.meetings is not None
    task = await to_step_4(office)
    mark = await tap(emu, BUDI, task, SCHEDULE[0])
    await with_button(emu, BUDI, "▶️", mark)
    # A time in the past is refused; so is a date that does not exist.
    refused = await say(emu, BUDI, "2026-11-30 07:00", "sudah lewat")
    assert "⚠️" in (refused.text or "")
    await say(emu, BUDI, "Senin 31 Nov 09.00", "tidak terbaca")
    # A Saturday: allowed only after an explicit confirmation.
    await say(emu, BUDI, "Sabtu 5 Des 09.00", "📍")
    agenda = await say(emu, BUDI, "https://meet.example.org/rapat-sakip", "📝")
    mark = await tap(emu, BUDI, agenda, "Pakai usulan")
    people = await with_button(emu, BUDI, "Lanjut ➡️", mark)
    mark = await tap(emu, BUDI, people, "Lanjut ➡️")
    confirm = await emu.wait_for_message(BUDI, "kantor libur", since=mark, timeout=TIMEOUT)
    assert confirm.buttons[0]["text"].startswith("📨 Tetap kirim")
    sent = await tap(emu, BUDI, confirm, confirm.buttons[0]["text"])
    first = event_of(
        ics_of(
            await emu.wait_for_message(CAMAT, "undangan-rapat.ics", since=sent, timeout=TIMEOUT)
        )
    )
    post = await emu.wait_for_message(office.group, "Undangan rapat", since=sent, timeout=TIMEOUT)
    await runtime.dispatcher.settle()

    # The group becomes a supergroup: the open meeting is posted again in the new chat.
    new_group = emu.migrate_group(office.group)

    async def moved() -> bool:
        async with runtime.ctx.uow_factory() as uow:
            org = await uow.people.org_by_name("Kecamatan Contoh")
        return org is not None and org.group_chat_id == new_group.id

    await eventually(moved, "the office's group chat following the migration")
    mark = emu.mark()
    await runtime.meetings.delivery()
    repost = await emu.wait_for_message(
        new_group.id, "Undangan rapat", since=mark, timeout=TIMEOUT
    )
    assert repost.buttons and post.message_id

    # Budi cancels with a reason: everyone gets a CANCEL for the same event.
    step5 = await with_button(emu, BUDI, "✖️ Batalkan rapat", sent)
    mark = await tap(emu, BUDI, step5, "✖️ Batalkan rapat")
    await emu.wait_for_message(BUDI, since=mark, timeout=TIMEOUT)
    mark = emu.mark()
    emu.send_text(BUDI, "Camat dipanggil Bupati hari itu")
    notice = await emu.wait_for_message(SITI, "Rapat dibatalkan", since=mark, timeout=TIMEOUT)
    assert "Camat dipanggil Bupati" in (notice.text or "")
    cancel = event_of(
        ics_of(
            await emu.wait_for_message(SITI, "rapat-dibatalkan.ics", since=mark, timeout=TIMEOUT)
        )
    )
    assert cancel["method"] == "CANCEL" and cancel["uid"] == first["uid"]
    assert cancel["sequence"] == 1
    await emu.wait_for_message(new_group.id, "Rapat dibatalkan", since=mark, timeout=TIMEOUT)
    # Budi may schedule a new meeting; an answer to the cancelled one changes nothing.
    await with_button(emu, BUDI, SCHEDULE[0], mark)
    invitation = await with_button(emu, CAMAT, RSVP["yes"][0], sent)
    query = emu.tap_button(CAMAT, CAMAT, invitation.message_id, button_text=RSVP["yes"][0])
    answer = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
    assert "dibatalkan" in answer.get("text", "")
    # No alarm of the cancelled meeting fires.
    clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=WIB).astimezone(UTC)
    assert (await runtime.meetings.alarms()).messages == 0
