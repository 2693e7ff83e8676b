"""The office of the end-to-end tests of issue 13 (running an office over months): a Kecamatan
running *Pengelolaan Surat Masuk* with two Kasi and an administrator of its own, the bot in this
process on a simulated clock (as the demo runs it) polling the emulator, and the few moves the
tests share: play a run up to a step, tap a button, wait for a text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app import Runtime, build_runtime, start, stop
from bot.delivery_audit import unsent_due
from bot.demo import SimClock
from bot.emulator import EmulatorServer
from bot.emulator.world import MessageRecord
from bot.settings import Settings
from bot.simulation import STEP_RE, Official, Officials, Script
from storage.org_import import import_organisation
from tests.e2e.harness import TIMEOUT
from workflow.office_calendar import OfficeCalendar
from workflow.spec import resolve_definition

AHMAD, SITI, DEWI, BUDI, JOKO, RINA, WATI = range(2001, 2008)
OFFICIALS = [
    Official(AHMAD, "Drs. Ahmad Suryana"),
    Official(SITI, "Siti Rahmawati"),
    Official(DEWI, "Dewi Lestari"),
    Official(BUDI, "Budi Santoso"),
    Official(JOKO, "Joko Prasetyo"),
    Official(RINA, "Rina Marlina"),
    Official(WATI, "Wati Administrator"),
]
ORG = (
    "organisation: Kecamatan Contoh\n"
    "letterhead: {government: Pemerintah Kabupaten Purwakarta, office: Kecamatan Contoh}\n"
    "letters: {unit: Kec.Ctn, city: Purwakarta}\n"
    "people:\n"
    '  - {name: "Drs. Ahmad Suryana", salutation: Bapak, jabatan: Camat Contoh,\n'
    '     pangkat: "Pembina Tk. I (IV/b)", nip: "197001011990031001", roles: [camat],\n'
    "     telegram_id: 2001}\n"
    '  - {name: "Siti Rahmawati", salutation: Ibu, jabatan: Sekretaris Kecamatan,\n'
    '     pangkat: "Pembina (IV/a)", nip: "197505052000032002", roles: [sekretaris],\n'
    "     telegram_id: 2002}\n"
    '  - {name: "Dewi Lestari", salutation: Ibu, roles: [kasubag_umum], telegram_id: 2003}\n'
    '  - {name: "Budi Santoso", salutation: Bapak, roles: [kasi], telegram_id: 2004}\n'
    '  - {name: "Joko Prasetyo", salutation: Bapak, roles: [kasi], telegram_id: 2005}\n'
    '  - {name: "Rina Marlina", roles: [pengadministrasi_umum], telegram_id: 2006}\n'
    '  - {name: "Wati Administrator", salutation: Ibu, admin: true, telegram_id: 2007}\n'
)
SOP = "pengelolaan-surat-masuk"


@dataclass
class Office:
    """The running office of a test."""

    emu: EmulatorServer
    runtime: Runtime
    clock: SimClock
    officials: Officials
    settings: Settings

    async def play_until(self, step_no: int, script: Script) -> MessageRecord:
        """Act on every task as the officials would, until the task of `step_no` arrives;
        return that task (not acted on)."""
        while True:
            task = await self.emu.wait_for(self.officials._open_task, timeout=TIMEOUT)
            found = STEP_RE.search(task.text or "")
            if found and int(found.group(1)) == step_no:
                self.officials._handle(task)
                return task
            self.officials._handle(task)
            await self.officials._act(task, script)

    async def tap(self, user: int, m: MessageRecord, label: str) -> int:
        """Tap the button whose text starts with `label`; the mark before the tap."""
        text = next(b["text"] for b in m.buttons if b["text"].startswith(label))
        mark = self.emu.mark()
        self.emu.tap_button(user, m.chat_id, m.message_id, button_text=text)
        return mark

    async def command(
        self, user: int, command: str, contains: str = "", args: str = ""
    ) -> MessageRecord:
        """Send a command in the private chat and wait for the answer containing `contains`."""
        mark = self.emu.mark()
        self.emu.send_command(user, command, args)
        return await self.emu.wait_for_message(user, contains, since=mark, timeout=TIMEOUT)

    async def say(self, user: int, body: str, contains: str = "") -> MessageRecord:
        """Type a message and wait for the answer containing `contains`."""
        mark = self.emu.mark()
        self.emu.send_text(user, body)
        return await self.emu.wait_for_message(user, contains, since=mark, timeout=TIMEOUT)

    async def jump_to(self, when: datetime) -> None:
        """Move the simulated clock, once nothing is due or in flight in the outbox: a send in
        flight across a jump would look unrenewed for days and be cut off (and sent again),
        as the demo's time jumps avoid too."""
        deadline = time.monotonic() + TIMEOUT
        while await unsent_due(self.runtime.ctx.uow_factory, self.clock()):
            if time.monotonic() > deadline:
                raise TimeoutError("the outbox did not drain before the clock moved")
            await asyncio.sleep(0.05)
        self.clock.jump_to(when)

    async def answer(self, user: int, contains: str, since: int) -> MessageRecord:
        """The bot's next message to `user` containing `contains` after `since`."""
        return await self.emu.wait_for_message(user, contains, since=since, timeout=TIMEOUT)


def with_button(emu: EmulatorServer, user: int, label: str, since: int) -> MessageRecord | None:
    """The latest message to `user` since `since` with a button starting with `label`."""
    found = None
    for m in emu.sent_messages(chat_id=user, since=since):
        if any(b.get("text", "").startswith(label) for b in m.buttons):
            found = m
    return found


@asynccontextmanager
async def running_office(
    tmp_path: Path,
    org: str = ORG,
    more: tuple[str, ...] = (),
    officials: tuple[Official, ...] = (),
    database_url: str | None = None,
) -> AsyncIterator[Office]:
    """The office (and the offices of `more`, with their `officials`) with every official
    started; the bot on a simulated clock (Monday 08:00), on SQLite unless `database_url`."""
    async with EmulatorServer(port=0) as emu:
        settings = Settings(
            BOT_TOKEN=SecretStr(emu.bot_token),
            TELEGRAM_API_URL=emu.base_url,
            TELEGRAM_FILE_URL=emu.base_file_url,
            KINERJA_DATA_DIR=tmp_path,
            KINERJA_PACE="fast",
            DATABASE_URL=database_url,
        )
        clock = SimClock(OfficeCalendar(settings.office().calendar))
        runtime = await build_runtime(settings, clock=clock)
        sops = [resolve_definition(SOP), resolve_definition("pengukuran-kinerja")]
        for text in (org, *more):
            await import_organisation(runtime.ctx.uow_factory, text, sops)
        everyone = [*OFFICIALS, *officials]
        for o in everyone:
            emu.add_user(o.user_id, first_name=o.name)
        await start(runtime, timeout=1)
        try:
            for o in everyone:
                mark = emu.mark()
                emu.start_bot(o.user_id)
                await emu.wait_for_message(o.user_id, since=mark, timeout=TIMEOUT)
            players = Officials(emu, everyone, timeout=TIMEOUT)
            yield Office(emu, runtime, clock, players, settings)
        finally:
            await stop(runtime)
