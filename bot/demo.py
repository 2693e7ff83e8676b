"""`kinerja-bot demo`: the whole SOP on this machine, with no token and no network.

It starts the local Bot API emulator and the real bot (polling it over HTTP) on a fresh SQLite
database, imports a sample Kecamatan, lets one official join with an invite link, binds the
office group, and lets simulated officials play the SOP — with one return at step 9 — printing
a transcript. `--out DIR` keeps the database, the documents and the transcript.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from datetime import timedelta
from importlib import resources
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_runtime, start, stop
from bot.emulator import EmulatorServer
from bot.settings import Settings
from bot.simulation import Official, Officials, Script
from storage.org_import import import_organisation
from storage.uow import SqlUnitOfWork
from workflow.spec import resolve_definition

SAMPLE_ORG = "kecamatan-contoh.yaml"
GROUP_TITLE = "Kecamatan Contoh — Kantor"
OFFICIALS = [
    Official(1001, "Drs. Ahmad Suryana"),
    Official(1002, "Siti Rahmawati"),
    Official(1003, "Budi Santoso"),
    Official(1004, "Dewi Lestari"),
    Official(1005, "Rina Marlina"),
]


def sample_org_text() -> str:
    """The sample organisation shipped with the bot."""
    return (resources.files("bot") / "samples" / SAMPLE_ORG).read_text(encoding="utf-8")


async def play_demo(out: Path | None, timeout: float = 20.0) -> int:
    """Run the demo; return the exit status."""
    began = time.monotonic()
    workdir = out or Path(tempfile.mkdtemp(prefix="kinerja-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "kinerja.sqlite3").unlink(missing_ok=True)
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    try:
        async with EmulatorServer(port=0) as emu:
            settings = Settings(
                BOT_TOKEN=SecretStr(emu.bot_token),
                TELEGRAM_API_URL=emu.base_url,
                TELEGRAM_FILE_URL=emu.base_file_url,
                KINERJA_DATA_DIR=workdir,
            )
            runtime = await build_runtime(settings)
            loaded = resolve_definition("pengukuran-kinerja")

            def uow() -> SqlUnitOfWork:
                return runtime.ctx.uow_factory()

            report = await import_organisation(uow, sample_org_text(), loaded)
            say(
                f"== Kinerja Bot demo: {loaded.spec.title}, {len(loaded.spec.steps)} langkah, "
                f"{loaded.spec.total_minutes} menit kerja"
            )
            say(f"Kecamatan Contoh diimpor: {report.created} pegawai.")
            for o in OFFICIALS:
                emu.add_user(o.user_id, first_name=o.name, language_code="id")
            await start(runtime, timeout=1)
            officials = Officials(emu, OFFICIALS, say=say, timeout=timeout)
            for o in OFFICIALS[:4]:
                emu.start_bot(o.user_id)

            # Rina joins with a one-time invite link the administrator asks for.
            camat, rina = OFFICIALS[0], OFFICIALS[4]
            mark = emu.mark()
            say(f"{camat.name}: /undang Rina Marlina")
            emu.send_command(camat.user_id, "undang", "Rina Marlina")
            invite = await emu.wait_for_message(
                camat.user_id, "start=", since=mark, timeout=timeout
            )
            code = (invite.text or "").split("start=", 1)[1].split()[0]
            say(f"  bot → {camat.name}: tautan undangan dibuat")
            mark = emu.mark()
            say(f"{rina.name}: membuka tautan undangan (/start …)")
            emu.start_bot(rina.user_id, code)
            await emu.wait_for_message(rina.user_id, since=mark, timeout=timeout)
            say(f"  bot → {rina.name}: terhubung")

            # The office group.
            group = emu.create_group(
                GROUP_TITLE, [o.user_id for o in OFFICIALS], creator_id=camat.user_id
            )
            emu.add_bot_to_group(group.id, by_user_id=camat.user_id)
            mark = emu.mark()
            emu.send_command(camat.user_id, "hubungkan", chat_id=group.id)
            await emu.wait_for_message(group.id, since=mark, timeout=timeout)
            say(f"{camat.name}: /hubungkan (di grup) → grup kantor terhubung")

            mark = emu.mark()
            script = Script()
            await officials.start_run(camat.user_id, script)
            tally = await officials.play(script, since=mark)
            await asyncio.sleep(0.3)  # let the last notices go out before the count
            await stop(runtime)

            documents = sum(1 for m in emu.sent_messages() if m.file_name)
            elapsed = timedelta(seconds=round(time.monotonic() - began))
            steps = sorted(set(tally.steps_done))
            ok = steps == list(range(1, 15)) and tally.returns == 1
            say(
                f"== demo {'selesai' if ok else 'GAGAL'}: langkah {steps[0]}–{steps[-1]} "
                f"({len(steps)} langkah), {tally.returns} pengembalian di langkah 9, "
                f"{tally.uploads} unggahan, {documents} dokumen diteruskan, "
                f"{len(emu.sent_messages())} pesan bot, {elapsed}"
            )
            if out is not None:
                (workdir / "transcript.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            return 0 if ok else 1
    finally:
        if out is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run_demo(out: Path | None) -> int:
    """Entry for the CLI."""
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(play_demo(out))
