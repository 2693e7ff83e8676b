"""End to end (issue 13, "Done when" 3): strict separation of two organisations on one
deployment, on SQLite and on PostgreSQL. Members of one office try the other's buttons,
runs, trail and roster; none of it is visible or actionable. An administrator of both chooses
the office per chat (/kantor) and sees only that office's runs and controls.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.simulation import Official, Script
from tests.e2e.harness import cli
from tests.e2e.office import BUDI, RINA, WATI, running_office
from tests.integration.conftest import database_url  # noqa: F401 - the backends fixture

BAGUS, LINA = 3001, 3005
OTHER = (
    "organisation: Kecamatan Lain\n"
    "people:\n"
    '  - {name: "Bagus Wibowo", roles: [camat], admin: true, telegram_id: 3001}\n'
    '  - {name: "Sri Wahyuni", roles: [sekretaris], telegram_id: 3002}\n'
    '  - {name: "Agus Salim", roles: [kasubag_umum], telegram_id: 3003}\n'
    '  - {name: "Dedi Kurnia", roles: [kasi], telegram_id: 3004}\n'
    '  - {name: "Lina Marlina", roles: [pengadministrasi_umum], telegram_id: 3005}\n'
    # The kabupaten's administrator of many kecamatan: the same account as in the first.
    '  - {name: "Wati Administrator", admin: true, telegram_id: 2007}\n'
)
OTHERS = (
    Official(BAGUS, "Bagus Wibowo"),
    Official(3002, "Sri Wahyuni"),
    Official(3003, "Agus Salim"),
    Official(3004, "Dedi Kurnia"),
    Official(LINA, "Lina Marlina"),
)
OURS = Script(title="Surat A: Rakor Stunting", sop="Pengelolaan Surat Masuk")
THEIRS = Script(title="Surat B: Undangan Camat Lain", sop="Pengelolaan Surat Masuk")


async def test_two_offices_never_see_or_act_on_each_other(
    tmp_path: Path,
    database_url: str,  # noqa: F811
) -> None:
    url = None if database_url.startswith("sqlite") else database_url
    async with running_office(tmp_path, more=(OTHER,), officials=OTHERS, database_url=url) as o:
        emu = o.emu
        await o.officials.start_run(RINA, OURS)
        ours = await o.play_until(5, OURS)
        assert ours.chat_id == BUDI
        await o.officials.start_run(LINA, THEIRS)
        theirs = await o.answer(LINA, "Langkah 1/7", 0)

        # Bagus (the other Camat, an administrator) taps Budi's task button: not his.
        data = next(b["callback_data"] for b in ours.buttons if b["text"] == "✅ Selesai")
        tap = emu.tap_button(BAGUS, BAGUS, ours.message_id, data=data, forged=True)
        alert = await emu.wait_for_callback_answer(tap.id)
        assert "untuk orang lain" in alert.get("text", ""), alert
        # ... and Budi taps Lina's.
        data = next(b["callback_data"] for b in theirs.buttons if b["text"] == "✅ Selesai")
        tap = emu.tap_button(BUDI, BUDI, theirs.message_id, data=data, forged=True)
        assert "untuk orang lain" in (await emu.wait_for_callback_answer(tap.id)).get("text", "")

        # Status, trail, tasks and roster show each office its own only.
        status = await o.command(BAGUS, "status", "Surat B")
        assert "Surat A" not in (status.text or "")
        assert all("Surat A" not in b["text"] for b in status.buttons)
        trail = await o.command(BAGUS, "riwayat", "Riwayat 1")
        assert "Surat B" in (trail.text or "") and "Surat A" not in (trail.text or "")
        async with o.runtime.ctx.uow_factory() as uow:
            org = await uow.people.org_by_name("Kecamatan Contoh")
            assert org is not None
            [run_a] = await uow.runs.list_active(org.id)
        missing = await o.command(BAGUS, "riwayat", "Tidak ada proses", args=run_a.id[:8])
        assert "Surat A" not in (missing.text or "") and "Surat B" in (missing.text or "")
        roster = await o.command(BAGUS, "anggota", "Pegawai Kecamatan Lain")
        assert "Budi Santoso" not in (roster.text or "")
        refused = await o.command(BAGUS, "anggota", "Tidak ada pegawai", "nonaktif Budi Santoso")
        assert "Budi Santoso" in (refused.text or "")
        tasks = await o.command(BUDI, "tugas", "Tugas Anda")
        assert "Surat B" not in (tasks.text or "")

        # Wati is an administrator of both: she is asked which office, and it is remembered.
        asked = await o.command(WATI, "status", "beberapa kantor")
        offices = sorted(b["text"] for b in asked.buttons)
        assert offices == ["Kecamatan Contoh", "Kecamatan Lain"], offices
        mark = await o.tap(WATI, asked, "Kecamatan Lain")
        await o.answer(WATI, "sekarang untuk Kecamatan Lain", mark)
        status = await o.command(WATI, "status", "Surat B")
        assert "Surat A" not in (status.text or "")
        assert any(b["text"].startswith("🔁 Alihkan: Surat B") for b in status.buttons)
        switch = await o.command(WATI, "kantor", "beberapa kantor")
        assert "sekarang untuk Kecamatan Lain" in (switch.text or "")
        mark = await o.tap(WATI, switch, "Kecamatan Contoh")
        await o.answer(WATI, "sekarang untuk Kecamatan Contoh", mark)
        status = await o.command(WATI, "status", "Surat A")
        assert "Surat B" not in (status.text or "")

    env = {**os.environ, "KINERJA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    if url is not None:
        env["DATABASE_URL"] = url
    code, listed = await cli(env, "runs", "list", "--org", "Kecamatan Lain")
    assert code == 0 and "Surat B" in listed and "Surat A" not in listed, listed
    code, listed = await cli(env, "org", "list")
    assert "Kecamatan Contoh: 7 active people, 1 run (1 active)" in listed, listed
    assert "Kecamatan Lain: 6 active people, 1 run (1 active)" in listed, listed
