"""End to end: a second SOP deployed as data (KINERJA_SOP_DIR), played whole by the real bot.

The office copies the shipped *Pengelolaan Surat Masuk* into its own directory outside the
package and gives it its own title; the bot process runs with KINERJA_SOP_DIR pointing there.
The Camat starts it from /mulai (which offers both SOPs), every step goes to the holder of
that step's role in THIS SOP, the Camat disposes with directions, returns the Kasi's draft
once with a note and then approves, and the run completes on the deployed version.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import OFFICIALS
from bot.emulator.world import MessageRecord
from bot.simulation import STEP_RE, Officials, Script
from tests.e2e.harness import TIMEOUT, Running, active_runs, bot_process, cli, records
from workflow.spec import DEFINITIONS_DIR

SOP = "pengelolaan-surat-masuk"
SHIPPED_TITLE = "Pengelolaan Surat Masuk"
OFFICE_TITLE = "Pengelolaan Surat Masuk dan Disposisi Kecamatan Contoh"
CAMAT, SITI, BUDI, DEWI, RINA = (o.user_id for o in OFFICIALS)
# Roles of the incoming-mail SOP (none of them in the sample Kecamatan of the other SOP).
ROLES = {
    CAMAT: "camat",
    SITI: "sekretaris",
    BUDI: "kasi",
    DEWI: "kasubag_umum",
    RINA: "pengadministrasi_umum",
}
# Who is told each step: the holder of the step's role in this SOP.
ACTOR_OF_STEP = {1: RINA, 2: DEWI, 3: CAMAT, 4: SITI, 5: BUDI, 6: CAMAT, 7: RINA}
SCRIPT = Script(
    title="Surat Bupati 005/812/Pem: Rakor Percepatan Penurunan Stunting",
    sop=OFFICE_TITLE,
    arahan="Hadiri rakor; siapkan data balita stunting per desa.",
    return_note="Lampirkan rekap data per desa sebelum dikirim.",
)


def org_text() -> str:
    lines = ["organisation: Kecamatan Contoh", "people:"]
    for o in OFFICIALS:
        admin = ", admin: true" if o.user_id == CAMAT else ""
        lines.append(
            f'  - {{name: "{o.name}", roles: [{ROLES[o.user_id]}]{admin}, '
            f"telegram_id: {o.user_id}}}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def deployed(tmp_path: Path) -> Path:
    """The office's SOP directory, outside the package: the shipped file with its own title."""
    folder = tmp_path / "sop-kantor"
    folder.mkdir()
    text = (DEFINITIONS_DIR / f"{SOP}.yaml").read_text(encoding="utf-8")
    assert f"title: {SHIPPED_TITLE}\n" in text
    text = text.replace(f"title: {SHIPPED_TITLE}\n", f"title: {OFFICE_TITLE}\n")
    (folder / f"{SOP}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
async def bot(tmp_path: Path, deployed: Path) -> AsyncIterator[Running]:
    data = tmp_path / "data"
    data.mkdir()
    env = {"KINERJA_SOP_DIR": str(deployed)}
    async with bot_process(data, org_text(), OFFICIALS, OFFICIALS, env=env) as running:
        assert "5 new" in running.imported  # the roles of the deployed SOP are accepted
        yield running


def tasks_of(bot: Running, since: int) -> dict[int, list[tuple[int, MessageRecord]]]:
    """Step number -> (chat, task message) of every task message sent to a person since
    `since` (their buttons are gone once acted on)."""
    found: dict[int, list[tuple[int, MessageRecord]]] = {}
    for m in bot.emu.sent_messages(since=since):
        step = STEP_RE.search(m.text or "")
        if step and m.chat_id in ROLES and int(step.group(2)) == len(ACTOR_OF_STEP):
            found.setdefault(int(step.group(1)), []).append((m.chat_id, m))
    return found


async def test_deployed_incoming_mail_sop_runs_end_to_end(bot: Running, deployed: Path) -> None:
    emu = bot.emu
    env_line = {"KINERJA_SOP_DIR": str(deployed), "KINERJA_DATA_DIR": str(bot.data_dir)}
    code, listed = await cli({**os.environ, **env_line}, "sop", "list")
    assert code == 0, listed
    row = next(line for line in listed.splitlines() if line.startswith(SOP))
    assert OFFICE_TITLE in row and str(deployed) in row and "215" in row

    group = emu.create_group("Kantor", [o.user_id for o in OFFICIALS], creator_id=CAMAT)
    emu.add_bot_to_group(group.id, by_user_id=CAMAT)
    mark = emu.mark()
    emu.send_command(CAMAT, "hubungkan", chat_id=group.id)
    await emu.wait_for_message(group.id, since=mark, timeout=TIMEOUT)

    # /mulai offers both SOPs, under the titles this office gave them.
    mark = emu.mark()
    emu.send_command(CAMAT, "mulai")
    offer = await emu.wait_for_message(CAMAT, since=mark, timeout=TIMEOUT)
    offered = {b.get("text") for b in offer.buttons}
    assert offered == {OFFICE_TITLE, "Pengukuran Kinerja"}, offered

    mark = emu.mark()
    officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
    await officials.start_run(CAMAT, SCRIPT)
    tally = await officials.play(SCRIPT, since=mark)

    # Every step was done, the review returned once and then approved.
    assert sorted(set(tally.steps_done)) == list(range(1, 8))
    assert tally.returns == 1
    assert tally.steps_done.count(6) == 2 and tally.steps_done.count(5) == 2
    # Every step's task went to the holder of that step's role in this SOP (5 and 6 twice).
    tasks = tasks_of(bot, mark)
    for step_no, user in ACTOR_OF_STEP.items():
        assert tasks.get(step_no), f"no task for step {step_no}"
        assert {chat for chat, _ in tasks[step_no]} == {user}, (step_no, tasks[step_no])
    assert len(tasks[5]) >= 2 and len(tasks[6]) == 2
    # The disposition task says who receives it: this SOP's Sekretaris (step 4).
    disposition = tasks[3][0][1].text or ""
    assert "diteruskan kepada Sekretaris Kecamatan" in disposition
    # The Kasi's second round carries the Camat's note.
    assert any(SCRIPT.return_note in (m.text or "") for _, m in tasks[5][1:])
    # What users see is this office's title: the group's start notice and the confirmation.
    group_texts = [m.text or "" for m in emu.sent_messages(chat_id=group.id, since=mark)]
    assert any(f"({OFFICE_TITLE})" in t for t in group_texts), group_texts
    assert not any(f"({SHIPPED_TITLE})" in t for t in group_texts)
    camat_texts = [m.text or "" for m in emu.sent_messages(chat_id=CAMAT, since=mark)]
    assert any(t.startswith(f"Mulai {OFFICE_TITLE} dengan judul") for t in camat_texts)

    # The run completed, on the deployed file's version (pinned by its content hash).
    deployed_text = (deployed / f"{SOP}.yaml").read_bytes()
    version = hashlib.sha256(deployed_text).hexdigest()[:16]
    async with records(bot) as uow:
        assert await active_runs(uow, "Kecamatan Contoh") == []
        assert await uow.definitions.versions(SOP) == [version]

    # The acknowledgement after the disposition names the next actor of THIS SOP (step 4's
    # Sekretaris), and the Camat's directions reach the Kasi at step 5.
    ack = next(t for t in camat_texts if "📨" in t)
    assert "Sekretaris Kecamatan" in ack, ack
    assert all(SCRIPT.arahan in (m.text or "") for _, m in tasks[5]), tasks[5][0][1].text
