"""Simulated officials: they read what the bot sent them in the emulator and act like people.

Used by `kinerja-bot demo` and by the end-to-end tests. They only see what a person sees (the
messages in their chat, the buttons on them) and only do what a person can (type, tap, send a
file), all through the emulator — so the bot is exercised exactly as in Telegram.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from bot.emulator import Emulator
from bot.emulator.world import MessageRecord
from bot.simulation_script import (
    APPROVE,
    ARAHAN,
    CODE_RE,
    DONE,
    EVIDENCE_ASKED,
    FINISHED_MARK,
    FORMATS_MADE,
    LETTER_WRITTEN,
    MEETING_START,
    PARAF,
    PARAF_NOTE,
    REPORT_CHAT,
    RETURN,
    RSVP,
    SCHEDULE,
    START,
    STEP_RE,
    UPLOAD,
    URGENT,
    USE_LETTER,
    Official,
    Script,
    Tally,
    copy_key,
    has_button,
    sample_pdf,
)
from bot.transcript import Transcript


class Officials:
    """Plays a whole SOP run through the emulator, as the officials would."""

    def __init__(
        self,
        emu: Emulator,
        officials: list[Official],
        say: Callable[[str], None] = lambda _line: None,
        timeout: float = 20.0,
        before_task: Callable[[int, int], Awaitable[None]] | None = None,
        before_meeting: Callable[[], Awaitable[None]] | None = None,
        transcript: Transcript | None = None,
    ) -> None:
        self.emu = emu
        # What the officials do and what the bot says, in the order a person sees it.
        self.transcript = transcript or Transcript(
            emu, {o.user_id: o.name for o in officials}, say
        )
        self.before_task = before_task  # (user id, step no): e.g. let office time pass
        self.before_meeting = before_meeting  # e.g. let time run to the meeting's start
        self.people = {o.user_id: o for o in officials}
        self.say = self.transcript.say
        self.timeout = timeout
        self.handled: set[tuple[int, int]] = set()
        # The same message sent again after a kill (Telegram took it, the bot died before it
        # recorded that) carries the same buttons' data as the copy acted on: a person sees it
        # is the message he already answered, and leaves it.
        self.answered: set[tuple[object, ...]] = set()
        self.copies_left: set[tuple[int, int]] = set()  # (chat, message) of such copies
        self.sent_files: set[str] = set()  # the names of the files the officials sent
        self.tally = Tally()
        self.uploaded: dict[tuple[int, int], int] = {}  # (user, step): files sent so far
        self.reported: set[int] = set()  # who reported their realisations (once per round)

    def _handle(self, m: MessageRecord) -> None:
        """Remember a message as acted on (and so also any copy of it sent again)."""
        self.handled.add((m.chat_id, m.message_id))
        self.answered.add(copy_key(m))

    def _seen(self, m: MessageRecord) -> bool:
        """Acted on already: this message, or the copy it repeats."""
        if (m.chat_id, m.message_id) in self.handled:
            return True
        if copy_key(m) in self.answered:
            self.copies_left.add((m.chat_id, m.message_id))
            return True
        return False

    def _send_file(self, user: int, name: str, data: bytes, mime: str) -> None:
        """The official sends a file (its name is remembered: what officials sent)."""
        self.sent_files.add(name)
        self.emu.send_document(user, name, data, mime)

    def _name(self, user_id: int) -> str:
        return self.people[user_id].name

    async def _next_from_bot(self, user_id: int, contains: str, since: int) -> MessageRecord:
        return await self.emu.wait_for_message(
            user_id, contains=contains, since=since, timeout=self.timeout
        )

    async def start_run(self, starter: int, script: Script) -> None:
        """The starter types /mulai, picks the SOP (when offered several), taps the period (an
        SOP run per period) or types the title, and confirms."""
        mark = self.emu.mark()
        self.say(f"{self._name(starter)}: /mulai")
        self.emu.send_command(starter, "mulai")
        prompt = await self._next_from_bot(starter, "", mark)  # the SOPs, periods or title
        if has_button(prompt, script.sop):
            mark = await self._tap(starter, prompt, (script.sop,), script.sop)
            prompt = await self._next_from_bot(starter, "", mark)  # the periods or the title
        if prompt.buttons:
            mark = await self._tap(starter, prompt, (script.period,), script.period)
        else:
            assert "✍️" in (prompt.text or ""), prompt.text
            mark = self.emu.mark()
            self.say(f"{self._name(starter)}: «{script.title}»")
            self.emu.send_text(starter, script.title)
        confirm = await self.emu.wait_for(
            lambda: self._find(starter, START, mark), timeout=self.timeout
        )
        assert confirm is not None
        self.say(f"{self._name(starter)}: [Mulai]")
        self.emu.tap_button(
            starter, starter, confirm.message_id, button_text=has_button(confirm, *START)
        )

    def _find(self, user_id: int, labels: tuple[str, ...], since: int) -> MessageRecord | None:
        for m in self.emu.sent_messages(chat_id=user_id, since=since):
            if has_button(m, *labels) and not self._seen(m):
                return m
        return None

    def _open_task(self) -> MessageRecord | None:
        """The oldest task message with live buttons that nobody has acted on yet."""
        labels = DONE + APPROVE + URGENT + SCHEDULE + MEETING_START + PARAF
        for m in self.emu.sent_messages():
            if m.chat_id not in self.people or self._seen(m):
                continue
            if has_button(m, *labels):
                return m
        return None

    def _finished(self, since: int) -> bool:
        return any(FINISHED_MARK in (m.text or "") for m in self.emu.sent_messages(since=since))

    async def play(self, script: Script, since: int = 0) -> Tally:
        """Act on every task until the run is finished."""
        while True:
            task = await self.emu.wait_for(
                lambda: self._open_task() or (self._finished(since) or None),
                timeout=self.timeout,
            )
            self.transcript.flush()
            if task is True:
                self.say("  (proses selesai)")
                return self.tally
            assert isinstance(task, MessageRecord)
            self._handle(task)
            await self._act(task, script)

    async def _act(self, task: MessageRecord, script: Script) -> None:
        user = task.chat_id
        who = self._name(user)
        text = task.text or ""
        found = STEP_RE.search(text)
        step_no = int(found.group(1)) if found else 0
        if self.before_task is not None:
            await self.before_task(user, step_no)
        if has_button(task, *SCHEDULE):
            await self.schedule_meeting(user, task, script)
        elif has_button(task, *MEETING_START):
            await self.hold_meeting(user, task)
        elif has_button(task, *PARAF):
            await self.paraf(user, task, script)
        elif has_button(task, *URGENT):
            mark = self.emu.mark()
            self.say(f"{who}: [Tulis arahan]")
            self.emu.tap_button(user, user, task.message_id, button_text=has_button(task, *ARAHAN))
            await self._next_from_bot(user, "", mark)
            mark = self.emu.mark()
            self.say(f"{who}: «{script.arahan}»")
            self.emu.send_text(user, script.arahan)
            again = await self.emu.wait_for(
                lambda: self._find(user, URGENT, mark), timeout=self.timeout
            )
            assert again is not None
            for wanted in script.instructions:  # each tick changes the buttons in place
                tick = next(b["text"] for b in again.buttons if b["text"].endswith(wanted))
                self.say(f"{who}: [{wanted}]")
                self.emu.tap_button(user, user, again.message_id, button_text=tick)
                ticked = await self.emu.wait_for(
                    partial(self._ticked, user, again.message_id, wanted), timeout=self.timeout
                )
                assert isinstance(ticked, MessageRecord)
                again = ticked
            self._handle(again)
            self.say(f"{who}: [Segera]")
            self.emu.tap_button(
                user, user, again.message_id, button_text=has_button(again, *URGENT)
            )
        elif has_button(task, *APPROVE):
            if self.tally.returns < script.returns_at_review:
                mark = self.emu.mark()
                self.say(f"{who}: [Kembalikan]")
                self.emu.tap_button(
                    user, user, task.message_id, button_text=has_button(task, *RETURN)
                )
                await self.choose_return(user, script, mark)
                self.say(f"{who}: «{script.return_note}»")
                self.emu.send_text(user, script.return_note)
                self.tally.returns += 1
            else:
                self.say(f"{who}: [Setujui]")
                self.emu.tap_button(
                    user, user, task.message_id, button_text=has_button(task, *APPROVE)
                )
        elif any(mark in text for mark in LETTER_WRITTEN):
            await self.use_letter(user)
        else:
            if has_button(task, *REPORT_CHAT) and (
                user in script.chat_answers or user in script.filled_formats
            ):
                await self.report(user, task, step_no, script)
            elif any(mark in text for mark in FORMATS_MADE):
                pass  # the formats the bot made are used as they are
            elif "Unggah dokumen" in text or "Upload document" in text.replace("<b>", "").replace(
                "</b>", ""
            ):
                await self.upload(user, task, step_no)
            mark = self.emu.mark()
            self.say(f"{who}: [Selesai] langkah {step_no}")
            self.emu.tap_button(user, user, task.message_id, button_text=has_button(task, *DONE))
            await self._next_from_bot(user, "", mark)
        self.tally.steps_done.append(step_no)

    def _ticked(self, user: int, message_id: int, wanted: str) -> MessageRecord | None:
        """The message once its instruction button shows the tick."""
        for m in self.emu.sent_messages(chat_id=user):
            if m.message_id == message_id and any(
                b["text"].endswith(wanted) and b["text"].startswith("☑️") for b in m.buttons
            ):
                return m
        return None

    async def paraf(self, user: int, task: MessageRecord, script: Script) -> None:
        """Tap "Paraf", or "Paraf + catatan" and type the note the script gives this official."""
        who = self._name(user)
        note = script.paraf_notes.get(user)
        if note is None:
            mark = await self._tap(user, task, PARAF, "Paraf")
            await self._next_from_bot(user, "", mark)
            return
        mark = await self._tap(user, task, PARAF_NOTE, "Paraf + catatan")
        await self._next_from_bot(user, "✍️", mark)
        mark = self.emu.mark()
        self.say(f"{who}: «{note}»")
        self.emu.send_text(user, note)
        await self._next_from_bot(user, "", mark)

    # --- the realisations (a step that collects them) --------------------------------------

    async def report(self, user: int, task: MessageRecord, step_no: int, script: Script) -> None:
        """Report the realisations once (again in a round opened by a return): in the chat,
        or by sending the format the bot sent, filled in."""
        again = "↩️" in (task.text or "")
        if user in self.reported and not again:
            return  # reported at the earlier step: Selesai hands it on
        self.reported.add(user)
        if user in script.chat_answers:
            await self.answer_in_chat(user, task, script.chat_answers[user])
        elif user in script.filled_formats:
            values = script.filled_formats[user]
            if again:
                values = {**values, **script.corrections.get(user, {})}
            await self.send_filled_format(user, task, step_no, values)

    async def answer_in_chat(
        self, user: int, task: MessageRecord, answers: dict[str, list[str]]
    ) -> None:
        """Tap "Isi lewat chat" and answer each question (after a refusal, the next answer to
        the same question); send a file when the evidence is asked for."""
        who = self._name(user)
        given: dict[str, int] = {}
        code = ""
        mark = await self._tap(user, task, REPORT_CHAT, REPORT_CHAT[0])
        while True:
            asked = await self.emu.wait_for(
                partial(self._question, user, mark), timeout=self.timeout
            )
            assert isinstance(asked, MessageRecord)
            body = asked.text or ""
            if body.startswith("📊"):  # everything is recorded
                return
            if body.startswith(EVIDENCE_ASKED):
                code = body.split()[3]  # "📎 Bukti dukung IKU-01 …"
            elif not body.startswith("⚠️"):
                found = CODE_RE.findall(body)
                code = found[-1] if found else code
            mark = self.emu.mark()
            if body.startswith(EVIDENCE_ASKED):
                name = f"bukti-{code.lower()}.pdf"
                self.say(f"{who}: [file] {name}")
                self._send_file(user, name, sample_pdf(f"Bukti {code}"), "application/pdf")
                continue
            turn = given.get(code, 0)
            choices = answers.get(code) or ["0"]
            value = choices[min(turn, len(choices) - 1)]
            given[code] = turn + 1
            self.say(f"{who}: «{value}»")
            self.emu.send_text(user, value)

    def _question(self, user: int, since: int) -> MessageRecord | None:
        """The bot's next question (✍️), evidence request (📎), refusal (⚠️: the question
        stands) or completion (📊)."""
        for m in self.emu.sent_messages(chat_id=user, since=since):
            body = m.text or ""
            if body.startswith(("✍️", "📊", "⚠️", *EVIDENCE_ASKED)):
                return m
        return None

    async def send_filled_format(
        self, user: int, task: MessageRecord, step_no: int, values: dict[str, tuple[Any, ...]]
    ) -> None:
        """Fill in the format the bot sent (the latest), and send it through the upload."""
        who = self._name(user)
        formats = [
            m
            for m in self.emu.sent_messages(chat_id=user)
            if m.attachment is not None and (m.file_name or "").startswith("format-")
        ]
        assert formats, "no format was sent to fill in"
        attachment = formats[-1].attachment
        assert attachment is not None
        wb = load_workbook(BytesIO(attachment.data))
        ws = wb["Format"]
        sent = self.uploaded[(user, step_no)] = self.uploaded.get((user, step_no), 0) + 1
        for row in ws.iter_rows(min_row=7):
            code = str(row[2].value or "")
            for cell, value in zip(row[6:9], values.get(code, ()), strict=False):
                cell.value = value
            if code in values and sent > 1:
                row[7].value = f"{row[7].value or ''} (perbaikan {sent - 1})".strip()
        if "Anggaran" in wb.sheetnames:  # the programmes' budget realisation (rupiah spent)
            for row in wb["Anggaran"].iter_rows(min_row=4):
                row[4].value = values.get(str(row[1].value or ""), (row[4].value,))[0]
        out = BytesIO()
        wb.save(out)
        mark = self.emu.mark()
        self.say(f"{who}: [Unggah dokumen]")
        self.emu.tap_button(user, user, task.message_id, button_text=has_button(task, *UPLOAD))
        await self._next_from_bot(user, "", mark)
        name = f"format-terisi-{who.split()[0].lower()}.xlsx"
        mark = self.emu.mark()
        self.say(f"{who}: [file] {name}")
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        self._send_file(user, name, out.getvalue(), xlsx)
        await self._next_from_bot(user, name, mark)
        self.tally.uploads += 1

    async def choose_return(self, user: int, script: Script, since: int) -> None:
        """Answer the questions after "Kembalikan" (which step, to whom) until the bot asks
        for the note."""
        mark = since
        while True:  # the question or the prompt (files of the review may still be arriving)
            asked = await self._next_from_bot(user, "↩️", mark)
            labels = [str(b.get("text", "")) for b in asked.buttons]
            steps = (f"Langkah {script.return_to_step}:", f"Step {script.return_to_step}:")
            whom = ("Semua (", "All (") if script.return_to == "all" else (script.return_to,)
            if any(x.startswith("☐ ") for x in labels):  # which indicators go back
                if script.return_indicators:
                    mark = await self.pick_indicators(user, asked, script.return_indicators)
                    continue
                whom = ("Semua indikator", "All indicators")
            choice = next((x for x in labels if x.startswith(steps + whom)), None)
            if choice is None:
                return  # the prompt for the note
            mark = await self._tap(user, asked, (choice,), choice)

    async def pick_indicators(
        self, user: int, picker: MessageRecord, codes: tuple[str, ...]
    ) -> int:
        """Tick each indicator on the choice (edited in place), then tap Lanjut; the mark
        before that tap."""
        for code in codes:
            await self._tap(user, picker, (f"☐ {code}",), f"☐ {code}")

            def ticked(code: str = code) -> bool:
                shown = self.emu.message(user, picker.message_id)
                return shown is not None and has_button(shown, f"☑ {code}") is not None

            await self.emu.wait_for(lambda: ticked() or None, timeout=self.timeout)
        shown = self.emu.message(user, picker.message_id)
        assert shown is not None
        go = next(
            str(b.get("text"))
            for b in shown.buttons
            if str(b.get("text", "")).startswith(("Lanjut", "Next"))
        )
        return await self._tap(user, shown, (go,), go)

    async def use_letter(self, user: int) -> None:
        """Use the letter the bot wrote (its own message, after the task): one tap."""
        letter = await self.emu.wait_for(
            lambda: self._find(user, USE_LETTER, 0), timeout=self.timeout
        )
        assert letter is not None
        self._handle(letter)
        mark = await self._tap(user, letter, USE_LETTER, "Pakai surat ini")
        await self._next_from_bot(user, "", mark)

    async def upload(self, user: int, task: MessageRecord, step_no: int) -> None:
        """Tap 'Unggah dokumen', send a PDF, wait for the confirmation."""
        who = self._name(user)
        mark = self.emu.mark()
        self.say(f"{who}: [Unggah dokumen]")
        self.emu.tap_button(user, user, task.message_id, button_text=has_button(task, *UPLOAD))
        await self._next_from_bot(user, "", mark)
        mark = self.emu.mark()
        name = f"langkah-{step_no:02d}-{who.split()[0].lower().strip('.')}.pdf"
        sent = self.uploaded[(user, step_no)] = self.uploaded.get((user, step_no), 0) + 1
        content = f"Langkah {step_no} oleh {who}" + (
            f" (perbaikan {sent - 1})" if sent > 1 else ""
        )
        self.say(f"{who}: [file] {name}")
        self._send_file(user, name, sample_pdf(content), "application/pdf")
        await self._next_from_bot(user, name, mark)
        self.tally.uploads += 1

    # --- the meeting (steps 4 and 5) -------------------------------------------------------

    async def _tap(self, user: int, m: MessageRecord, labels: tuple[str, ...], what: str) -> int:
        """Tap a button by label; return the mark before the tap."""
        mark = self.emu.mark()
        self.say(f"{self._name(user)}: [{what}]")
        self.emu.tap_button(user, user, m.message_id, button_text=has_button(m, *labels))
        return mark

    async def _with_button(
        self, user: int, since: int, accept: Callable[[dict[str, str]], bool]
    ) -> MessageRecord:
        def found() -> MessageRecord | None:
            for m in self.emu.sent_messages(chat_id=user, since=since):
                if any(accept(b) for b in m.buttons):
                    return m
            return None

        message: MessageRecord | None = await self.emu.wait_for(found, timeout=self.timeout)
        assert message is not None
        return message

    async def schedule_meeting(self, user: int, task: MessageRecord, script: Script) -> None:
        """The organiser answers the scheduling dialog, sends it, and invitees answer."""
        who = self._name(user)
        mark = await self._tap(user, task, SCHEDULE, "Jadwalkan rapat")
        calendar = await self._with_button(user, mark, lambda b: b.get("text") == "▶️")
        if script.meeting_when is not None:
            mark = self.emu.mark()
            self.say(f"{who}: «{script.meeting_when}»")
            self.emu.send_text(user, script.meeting_when)
        else:  # the first office day of next month, 09.00
            mark = self.emu.mark()
            self.say(f"{who}: [▶️ bulan berikutnya]")
            self.emu.tap_button(user, user, calendar.message_id, button_text="▶️")
            page = await self._with_button(user, mark, lambda b: b.get("text") == "◀️")
            day = next(
                b["text"]
                for b in page.buttons
                if b["text"].isdigit()  # closed days are marked "•"
            )
            mark = self.emu.mark()
            self.say(f"{who}: [{day}]")
            self.emu.tap_button(user, user, page.message_id, button_text=day)
            times = await self._with_button(user, mark, lambda b: b.get("text") == "09.00")
            mark = self.emu.mark()
            self.say(f"{who}: [09.00]")
            self.emu.tap_button(user, user, times.message_id, button_text="09.00")
        await self._next_from_bot(user, "📍", mark)
        mark = self.emu.mark()
        self.say(f"{who}: «{script.meeting_place}»")
        self.emu.send_text(user, script.meeting_place)
        agenda = await self._with_button(user, mark, lambda b: b.get("text") == "Pakai usulan")
        mark = self.emu.mark()
        self.say(f"{who}: [Pakai usulan]")
        self.emu.tap_button(user, user, agenda.message_id, button_text="Pakai usulan")
        people = await self._with_button(user, mark, lambda b: b.get("text") == "Lanjut ➡️")
        mark = self.emu.mark()
        self.say(f"{who}: [Lanjut]")
        self.emu.tap_button(user, user, people.message_id, button_text="Lanjut ➡️")
        confirm = await self._with_button(
            user, mark, lambda b: str(b.get("text", "")).startswith("📨")
        )
        mark = self.emu.mark()
        send = next(b["text"] for b in confirm.buttons if b["text"].startswith("📨"))
        self.say(f"{who}: [{send}]")
        self.emu.tap_button(user, user, confirm.message_id, button_text=send)
        await self._next_from_bot(user, "undangan-rapat.ics", mark)
        await self.answer_invitations(script, mark, skip=user)

    async def answer_invitations(self, script: Script, since: int, skip: int) -> None:
        """Every official other than the organiser answers the invitation."""
        for uid in self.people:
            if uid == skip:
                continue
            try:
                invitation = await self.emu.wait_for_message(
                    uid, "undangan-rapat.ics", since=since, timeout=self.timeout
                )
            except TimeoutError:
                continue
            del invitation
            found = [m for m in self.emu.sent_messages(chat_id=uid, since=since) if m.buttons]
            if not found:
                continue
            choice, text = script.rsvps.get(uid, ("yes", ""))
            m = found[0]
            mark = await self._tap(uid, m, RSVP[choice], RSVP[choice][0])
            if choice == "yes":
                await self._next_from_bot(uid, "✅", mark)
                continue
            await self._next_from_bot(uid, "", mark)
            mark = self.emu.mark()
            self.say(f"{self._name(uid)}: «{text}»")
            self.emu.send_text(uid, text)
            await self._next_from_bot(uid, "", mark)

    async def hold_meeting(self, user: int, task: MessageRecord) -> None:
        """The organiser starts the meeting, keeps the attendance, uploads minutes and draft."""
        for m in self.emu.sent_messages(chat_id=user):
            if has_button(m, *MEETING_START):
                self._handle(m)
        if self.before_meeting is not None:
            await self.before_meeting()
        latest = [m for m in self.emu.sent_messages(chat_id=user) if has_button(m, *MEETING_START)]
        for m in latest:
            self._handle(m)
        mark = await self._tap(user, latest[-1], MEETING_START, "Mulai rapat")
        save = await self._with_button(
            user, mark, lambda b: str(b.get("text", "")).startswith("💾")
        )
        mark = await self._tap(user, save, (save.buttons[-1]["text"],), "Simpan kehadiran")
        await self._next_from_bot(user, "📎", mark)
        who = self._name(user)
        for part, reply in (("notulen", "📎"), ("draf-hasil-rapat", "✅")):
            mark = self.emu.mark()
            name = f"{part}.pdf"
            self.say(f"{who}: [file] {name}")
            self._send_file(user, name, sample_pdf(f"{part} rapat"), "application/pdf")
            await self._next_from_bot(user, reply, mark)
            self.tally.uploads += 1
        # An alarm delivered late still carries the button: the meeting is over.
        for m in self.emu.sent_messages(chat_id=user):
            if has_button(m, *MEETING_START):
                self._handle(m)


# Re-exported: the demo and the tests take the script and the labels from here too.
__all__ = [
    "DONE",
    "PARAF",
    "STEP_RE",
    "UPLOAD",
    "URGENT",
    "Official",
    "Officials",
    "Script",
    "Tally",
    "has_button",
    "sample_pdf",
]
