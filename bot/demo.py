"""`kinerja-bot demo`: the whole SOP on this machine, with no token and no network.

It starts the local Bot API emulator and the real bot (polling it over HTTP) on a fresh SQLite
database, imports a sample Kecamatan, lets one official join with an invite link, binds the
office group, and lets simulated officials play the SOP — with one return at step 9 — printing
a transcript. The two Kasi report their indicators (one fills in the format, one answers in
the chat; one value is refused and corrected). `--out DIR` keeps the database, the documents
and the transcript, with the compiled formulir (XLSX, PDF) and the capaian chart (PNG), the
lembar disposisi with the paraf of the Sekretaris and the Kasubag Perencanaan (PDF), the
meeting's invitation, daftar hadir and notulen skeleton, the surat pengantar of step 12,
and the run's dossier and archive bundle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib import resources
from pathlib import Path

from pydantic import SecretStr

from application.indicator_saving import import_indicator_file
from application.period_values import import_period_values
from bot import demo_dashboard, demo_outputs
from bot.app import Runtime, build_runtime, start, stop
from bot.delivery_audit import count_delivery, outbox_entries, unsent, unsent_due
from bot.emulator import EmulatorServer
from bot.logs import configure_logging
from bot.settings import Settings
from bot.simulation import Official, Officials, Script
from bot.transcript import Transcript
from messages.formatting import format_wib
from storage.org_import import import_organisation
from storage.uow import SqlUnitOfWork
from workflow.office_calendar import OfficeCalendar
from workflow.spec import LoadedDefinition

SAMPLE_ORG = "kecamatan-contoh.yaml"
SAMPLE_INDICATORS = "indikator-contoh.yaml"  # the Kecamatan's IKU, imported for the demo's year
# Triwulan I-III realisations recorded without a run (the office started with the bot in
# Triwulan IV), so the cumulative IKU-04 adds up the year.
SAMPLE_REALISED = "realisasi-contoh.yaml"
GROUP_TITLE = "Kecamatan Contoh — Kantor"
OFFICIALS = [
    Official(1001, "Drs. Ahmad Suryana"),
    Official(1002, "Siti Rahmawati"),
    Official(1003, "Budi Santoso"),
    Official(1004, "Dewi Lestari"),
    Official(1005, "Rina Marlina"),
]
LATE = OFFICIALS[3]  # Dewi, a section head, with --fast-clock
# The demo's script (sample data of Pengukuran Kinerja): Dewi is late, and --faults kills the
# bot, at the data-collection step.
SCRIPTED_STEP = 7


def sample_org_text() -> str:
    """The sample organisation shipped with the bot."""
    return (resources.files("bot") / "samples" / SAMPLE_ORG).read_text(encoding="utf-8")


async def _import_indicators(
    uow: Callable[[], SqlUnitOfWork], sops: list[LoadedDefinition], org_id: str, year: int
) -> None:
    """The sample indicator set for the demo's year and the realisations of its earlier
    quarters (the shipped files: they must import)."""
    content = (resources.files("bot") / "samples" / SAMPLE_INDICATORS).read_bytes()
    specs = [loaded.spec for loaded in sops]
    result = await import_indicator_file(uow, specs, org_id, year, SAMPLE_INDICATORS, content)
    if isinstance(result, list):
        raise RuntimeError(f"{SAMPLE_INDICATORS}: {result[0]}")
    content = (resources.files("bot") / "samples" / SAMPLE_REALISED).read_bytes()
    names = [spec.name for spec in specs if spec.measures == "period"]
    realised = await import_period_values(
        uow, org_id, year, SAMPLE_REALISED, content, datetime(year, 10, 1, tzinfo=UTC), names
    )
    if isinstance(realised, list):
        raise RuntimeError(f"{SAMPLE_REALISED}: {realised[0]}")


class SimClock:
    """Simulated office time: starts Monday 08:00 WIB and jumps ahead when the demo lets office
    time pass. With `flowing` it also runs with real time between jumps (needed when retries
    and leases must see time pass, as with --faults); without, it stands still (tests)."""

    def __init__(self, calendar: OfficeCalendar, flowing: bool = False) -> None:
        self.calendar = calendar
        self.flowing = flowing
        self._start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
        self._began = time.monotonic()
        self._skipped = timedelta()

    @property
    def now(self) -> datetime:
        """The simulated instant."""
        ran = timedelta(seconds=time.monotonic() - self._began) if self.flowing else timedelta()
        return self._start + self._skipped + ran

    @now.setter
    def now(self, when: datetime) -> None:
        self._skipped += when - self.now

    def __call__(self) -> datetime:
        return self.now

    def jump_to(self, when: datetime) -> None:
        """Move straight to an instant (never backwards)."""
        self._skipped += max(timedelta(), when - self.now)


async def _advance(
    emu: EmulatorServer,
    clock: SimClock,
    runtime: Runtime,
    to: datetime,
    say: Callable[[str], None],
    timeout: float,
) -> int:
    """Let time run to `to` as it would pass: stop at every pending reminder timer and meeting
    alarm on the way (and at `to`), and run the reminder sweep and the meeting sweep at each
    stop — so whatever the bot would say meanwhile, right or wrong, shows in the transcript.
    Returns how many reminder timers fell due."""
    assert runtime.meetings is not None
    claimed = 0
    while True:
        async with runtime.ctx.uow_factory() as uow:
            stops = [
                await uow.timers.next_fire_at(after=clock.now),
                await uow.meetings.next_alarm_at(),
            ]
        stop = min([t for t in stops if t is not None and t < to], default=to)
        await _drained(runtime, timeout)  # no send in flight while time jumps
        clock.jump_to(stop)
        mark = emu.mark()
        reminders = await runtime.reminders.sweep()
        meetings = await runtime.meetings.run_once()
        claimed += reminders.claimed
        if reminders.messages or meetings.messages:
            now = format_wib(clock.now, clock.calendar.config.timezone)
            say(f"⏰ {now}: {reminders.messages} pengingat, {meetings.messages} pesan rapat")
            await emu.wait_for(partial(emu.sent_messages, since=mark), timeout=timeout)
        if clock.now >= to:
            return claimed


async def _late_official(
    emu: EmulatorServer,
    clock: SimClock,
    runtime: Runtime,
    late: Official,
    supervisor: Official,
    minutes: int,
    say: Callable[[str], None],
    timeout: float,
) -> None:
    """Nobody touches the step: office time runs on; reminders, then the escalation, go out."""
    say(f"⏩ {late.name} belum mengerjakan langkah ini; waktu kantor dipercepat …")
    for label, office_minutes in (
        ("batas waktu habis", minutes),
        ("+1 jam", 60),
        ("+2 jam: eskalasi", 60),
    ):
        mark = emu.mark()
        to = clock.calendar.due(clock.now, office_minutes)
        claimed = await _advance(emu, clock, runtime, to, say, timeout)
        now = format_wib(clock.now, clock.calendar.config.timezone)
        say(f"⏰ {now} ({label}): {claimed} pengingat jatuh tempo")
        for who in {late.user_id, *({supervisor.user_id} if "eskalasi" in label else set())}:
            await emu.wait_for_message(who, since=mark, timeout=timeout)


async def _meeting_time(
    emu: EmulatorServer,
    clock: SimClock,
    runtime: Runtime,
    say: Callable[[str], None],
    timeout: float,
) -> None:
    """Let time run to each pending meeting alarm (reminders, then the start), sweeping all the
    way."""
    while True:
        async with runtime.ctx.uow_factory() as uow:
            nearest = await uow.meetings.next_alarm_at()
        if nearest is None:
            return
        await _advance(emu, clock, runtime, nearest, say, timeout)


def _inject_faults(emu: EmulatorServer) -> None:
    """Telegram misbehaving for a share of calls (each before Telegram acts on the call)."""
    for method in ("sendMessage", "sendDocument", "getUpdates"):
        for kind in ("429", "500", "502", "drop"):
            emu.inject_fault(kind, method, times=None, probability=0.04, retry_after=1)
    emu.inject_fault("timeout", "sendMessage", times=1, probability=0.2, hold_seconds=8)


async def _drained(runtime: Runtime, timeout: float) -> None:
    """Wait until the outbox has nothing due or in flight (a send is never cut by a jump)."""
    deadline = time.monotonic() + timeout
    while await unsent_due(runtime.ctx.uow_factory, runtime.ctx.clock()):
        if time.monotonic() > deadline:
            raise TimeoutError("the outbox did not drain")
        await asyncio.sleep(0.05)


async def _emptied(runtime: Runtime, timeout: float) -> None:
    """Wait until every outbox row is sent (retries after faults included)."""
    deadline = time.monotonic() + timeout
    while await unsent(runtime.ctx.uow_factory):
        if time.monotonic() > deadline:
            raise TimeoutError("the outbox did not empty")
        await asyncio.sleep(0.1)


async def _kill(runtime: Runtime) -> None:
    """Stop the bot the hard way: no offsets confirmed, nothing finished, connections dropped.

    It is done while no send is in flight: a send cut between Telegram acting and the commit
    of 'sent' would be sent again after the restart (the Bot API has no idempotency key; see
    README, "Running in production"). Updates that arrive meanwhile wait in Telegram.
    """
    for task in runtime.tasks:
        task.cancel()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if runtime.app.running:
        await runtime.app.stop()
    await runtime.app.shutdown()
    result = runtime.dispose()
    if asyncio.iscoroutine(result):
        await result


async def _restart(
    settings: Settings, clock: SimClock, current: list[Runtime], say: Callable[[str], None]
) -> None:
    """A second later the bot starts again on the same database and catches up."""
    await asyncio.sleep(1.0)
    runtime = await build_runtime(settings, clock=clock)
    await start(runtime, timeout=1)
    current[0] = runtime
    say("🔄 bot dijalankan lagi; ia memproses apa yang menunggu")


async def play_demo(
    out: Path | None,
    timeout: float = 20.0,
    fast_clock: bool = False,
    faults: bool = False,
    hold: bool = False,
    dashboard_port: int = 0,
) -> int:
    """Run the demo; return the exit status. With `hold`, the dashboard (and the database)
    stay open at the end until Ctrl-C."""
    began = time.monotonic()
    workdir = out or Path(tempfile.mkdtemp(prefix="kinerja-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "kinerja.sqlite3").unlink(missing_ok=True)
    lines: list[str] = []
    current: list[Runtime] = []  # the bot running now (replaced on a restart)

    def write(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    try:
        async with EmulatorServer(port=0, fault_seed=7) as emu:
            # Every bot message whole, each before what the officials do next.
            people = {o.user_id: o.name for o in [*OFFICIALS, demo_dashboard.VIEWER]}
            transcript = Transcript(emu, people, write)
            say = transcript.say
            settings = Settings(
                BOT_TOKEN=SecretStr(emu.bot_token),
                TELEGRAM_API_URL=emu.base_url,
                TELEGRAM_FILE_URL=emu.base_file_url,
                KINERJA_DATA_DIR=workdir,
                # The demo's emulator enforces no flood limits, so the dispatcher need not
                # pace (KINERJA_PACE=fast); the real bot paces inside Telegram's limits.
                KINERJA_PACE="fast",
                # With --faults about one call in six fails, so one message now and then fails
                # several times in a row: waits doubling up to 300 s would outlast the demo's
                # patience (20 s) instead of showing the recovery. Real deployments keep 300.
                KINERJA_OUTBOX_MAX_BACKOFF=2.0 if faults else 300.0,
            )
            clock = SimClock(OfficeCalendar(settings.office().calendar), flowing=faults)
            current.append(await build_runtime(settings, clock=clock))
            sops = current[0].ctx.sops
            loaded = sops.load("pengukuran-kinerja")

            def uow() -> SqlUnitOfWork:
                return current[0].ctx.uow_factory()

            report = await import_organisation(uow, sample_org_text(), sops.all())
            await _import_indicators(uow, sops.all(), report.org_id, clock.now.year)
            await demo_dashboard.import_kabupaten(uow, sops.all())
            say(
                f"== Kinerja Bot demo: {loaded.spec.title}, {len(loaded.spec.steps)} langkah, "
                f"{loaded.spec.total_minutes} menit kerja"
            )
            say(f"Kecamatan Contoh diimpor: {report.created} pegawai.")
            for o in [*OFFICIALS, demo_dashboard.VIEWER]:
                emu.add_user(o.user_id, first_name=o.name, language_code="id")
            await start(current[0], timeout=1)
            if faults:
                _inject_faults(emu)
                say("⚡ gangguan disuntikkan: 429, 500, 502, koneksi putus, timeout")
            late_done: set[int] = set()
            restarts: list[asyncio.Task[None]] = []

            async def before_task(user: int, step_no: int) -> None:
                """A few office minutes per action; with --fast-clock Dewi is late at the scripted
                step; with --faults the bot is killed there and started again."""
                soon = clock.calendar.due(clock.now, 5)
                await _advance(emu, clock, current[0], soon, say, timeout)
                if faults and step_no == SCRIPTED_STEP and not restarts:
                    await _drained(current[0], timeout)
                    await _kill(current[0])
                    say("💥 bot dimatikan paksa; pesan berikut menunggu di Telegram")
                    restarts.append(asyncio.create_task(_restart(settings, clock, current, say)))
                late = fast_clock and user == LATE.user_id and step_no == SCRIPTED_STEP
                if late and not late_done:
                    late_done.add(step_no)
                    minutes = loaded.spec.step(step_no).minutes
                    await _late_official(
                        emu, clock, current[0], LATE, OFFICIALS[1], minutes, say, timeout
                    )

            async def before_meeting() -> None:
                """Office time runs to the meeting: the reminders, then the start alarm."""
                await _meeting_time(emu, clock, current[0], say, timeout)

            officials = Officials(
                emu,
                OFFICIALS,
                say=say,
                timeout=timeout,
                before_task=before_task,
                before_meeting=before_meeting,
                transcript=transcript,
            )
            for o in OFFICIALS[:4]:
                say(f"{o.name}: /start")
                mark = emu.mark()
                emu.start_bot(o.user_id)
                # Each reads the bot's answer before going on (a reply by chat and a notice by
                # person may otherwise pass each other while one waits for a retry).
                await emu.wait_for_message(o.user_id, since=mark, timeout=timeout)

            # Rina joins with a one-time invite link the administrator asks for.
            camat, rina = OFFICIALS[0], OFFICIALS[4]
            mark = emu.mark()
            say(f"{camat.name}: /undang Rina Marlina")
            emu.send_command(camat.user_id, "undang", "Rina Marlina")
            invite = await emu.wait_for_message(
                camat.user_id, "start=", since=mark, timeout=timeout
            )
            code = (invite.text or "").split("start=", 1)[1].split()[0]
            mark = emu.mark()
            say(f"{rina.name}: membuka tautan undangan (/start …)")
            emu.start_bot(rina.user_id, code)
            await emu.wait_for_message(rina.user_id, since=mark, timeout=timeout)

            # The office group.
            group = emu.create_group(
                GROUP_TITLE, [o.user_id for o in OFFICIALS], creator_id=camat.user_id
            )
            emu.add_bot_to_group(group.id, by_user_id=camat.user_id)
            transcript.names[group.id] = "grup kantor"
            mark = emu.mark()
            say(f"{camat.name} (di grup): /hubungkan")
            emu.send_command(camat.user_id, "hubungkan", chat_id=group.id)
            await emu.wait_for_message(group.id, since=mark, timeout=timeout)

            mark = emu.mark()
            script = Script(
                # The Camat ticks two instructions; the Sekretaris adds a note to her paraf,
                # the Kasubag Perencanaan taps Paraf alone.
                instructions=("Proses lebih lanjut", "Koordinasikan/konfirmasikan"),
                paraf_notes={OFFICIALS[1].user_id: "Mohon dikoordinasikan dengan para Kasi."},
                meeting_when="Selasa 1 Des 09.00",
                rsvps={
                    OFFICIALS[1].user_id: ("delegate", "Drs. Joko, Kasubag Umum"),
                    LATE.user_id: ("no", "Field visit to the villages"),
                },
                # The two Kasi report their IKU (bot/samples/indikator-contoh.yaml) through the
                # two channels: Dewi answers in the chat (her first answer is refused and
                # corrected), Rina fills in the format the bot sent her.
                chat_answers={
                    LATE.user_id: {
                        "IKU-01": ["sembilan puluh", "84,5"],
                        "IKU-02": ["96,5 %"],
                        "IKU-03": ["3"],
                        "P1": ["150.250.000"],  # the budget spent of her sasaran's programme
                    }
                },
                filled_formats={
                    rina.user_id: {
                        "IKU-04": (2, "2 desa dibina triwulan ini", "daftar-hadir-pembinaan.pdf"),
                        "IKU-05": ("ada", None, "renja-dan-pk-2026.pdf"),
                        "P2": ("98.500.000",),  # the Anggaran sheet: budget spent
                    }
                },
                # At the review the Camat sends back IKU-04 only (Rina's): the coaching of a
                # third village is missing; Rina reports it again, nobody else is asked.
                return_indicators=("IKU-04",),
                return_note="IKU-04: pembinaan Desa Cibening belum dihitung; mohon diperbaiki.",
                corrections={
                    rina.user_id: {
                        "IKU-04": (3, "3 desa dibina (termasuk Desa Cibening)", "daftar-hadir.pdf")
                    }
                },
            )
            await officials.start_run(camat.user_id, script)
            tally = await officials.play(script, since=mark)
            runtime = current[0]
            # The kabupaten's viewer asks for the web dashboard (issue 14).
            dashboard = await demo_dashboard.open_dashboard(runtime, dashboard_port)
            link = await demo_dashboard.ask_link(emu, say, timeout)
            await _emptied(runtime, timeout)  # the last notices go out before the count
            delivery = count_delivery(emu, await outbox_entries(runtime.ctx.uow_factory))
            keep = workdir if out is not None else None
            meeting_files = await demo_outputs.meeting_files(runtime, keep)
            measured = await demo_outputs.measurement_files(runtime, keep)
            archived = await demo_outputs.archive_files(runtime, keep)
            # The archiving step (14) handed its actor the dossier and the bundle in Telegram.
            names = [m.file_name or "" for m in emu.sent_messages()]
            archived = archived and any(n.startswith("arsip-") for n in names)
            archived = archived and any(n.startswith("berkas-") for n in names)
            sheet = await demo_outputs.disposition_sheet(runtime, loaded.spec, keep)
            if not hold:
                await dashboard.stop()
                await stop(runtime)

            documents = sum(1 for m in emu.sent_messages() if m.file_name)
            elapsed = timedelta(seconds=round(time.monotonic() - began))
            steps = sorted(set(tally.steps_done))
            reminders = sum(
                1
                for m in emu.sent_messages()
                if "Pengingat" in (m.text or "") or "Reminder" in (m.text or "")
            )
            ok = steps == list(range(1, 15)) and tally.returns == 1
            ok = ok and meeting_files and measured and archived and sheet
            ok = ok and link.startswith("http://127.0.0.1:")
            if fast_clock:
                ok = ok and reminders >= 3
            if faults:
                ok = ok and bool(restarts) and delivery.duplicates == 0 and delivery.lost == 0
            transcript.flush()  # the last notices, before the summary
            write("")
            write(
                f"== demo {'selesai' if ok else 'GAGAL'}: langkah {steps[0]}–{steps[-1]} "
                f"({len(steps)} langkah), {tally.returns} pengembalian, {elapsed}"
            )
            write(f"   pesan bot:   {len(emu.sent_messages())}")
            write(f"   dokumen:     {tally.uploads} diunggah, {documents} diteruskan")
            write(f"   pengingat:   {reminders}")
            held = "" if hold else " (dengan --hold dasbor tetap terbuka)"
            write(f"   dasbor:      {link}{held}")
            if faults:
                say(f"gangguan yang disuntikkan: {len(emu.faults.log)} panggilan gagal")
            say(delivery.line())
            if out is not None:
                (workdir / "transcript.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            if hold:
                await demo_dashboard.hold(say, link)
                await dashboard.stop()
                await stop(runtime)
            return 0 if ok else 1
    except BaseException:
        # A demo that failed half-way still closes the bot's connections (they would be left
        # to the garbage collector, which warns about them in whatever runs next).
        if current:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(stop(current[0]), timeout=10)
        raise
    finally:
        if out is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run_demo(
    out: Path | None,
    fast_clock: bool = False,
    faults: bool = False,
    verbose: bool = False,
    hold: bool = False,
    dashboard_port: int = 0,
) -> int:
    """Entry for the CLI."""
    configure_logging(verbose, ours=logging.WARNING)
    if (
        faults and not verbose
    ):  # every injected fault is logged as a retry; the transcript tells the story
        for noisy in ("telegram", "bot.dispatcher", "bot.receiving", "scheduler"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
    return asyncio.run(
        play_demo(
            out, fast_clock=fast_clock, faults=faults, hold=hold, dashboard_port=dashboard_port
        )
    )
