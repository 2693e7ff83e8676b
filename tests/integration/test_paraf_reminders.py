"""A paraf is real work for the engine: its holder is reminded when it falls due and his
supervisor is told when it is late, as with any task (both databases)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Database
from tests.integration.test_reminders import Office

SOP = """\
name: uji-paraf
title: Uji paraf
roles:
  - {id: kepala, name: Kepala}
  - {id: sekretaris, name: Sekretaris, supervisor: kepala}
  - {id: staf, name: Staf, supervisor: sekretaris}
starters: [kepala]
reminders: {repeat_every_minutes: 60, repeat_cap: 1, escalate_after_minutes: 60}
steps:
  - {no: 1, title: Disposisi, actors: [kepala], minutes: 30, output: Disposisi,
     disposition: true, paraf: [sekretaris]}
  - {no: 2, title: Kerjakan, actors: [staf], minutes: 240, output: Laporan}
"""


async def test_a_late_paraf_is_reminded_then_escalated_to_the_holders_supervisor(
    db: Database, tmp_path: Path
) -> None:
    office = Office(db, tmp_path, "2026-11-30 09:00", sop=SOP)
    disposition = await office.setup()
    await office.complete(disposition, "Kepala")
    told = await office.messages()
    assert [m["to"] for m in told if "Paraf Sekretaris" in m["text"]] == ["Sekretaris"]
    assert await office.sweep("2026-11-30 09:29") == []
    due = await office.sweep("2026-11-30 09:30")  # the step's 30 minutes, from the disposal
    assert [m["to"] for m in due] == ["Sekretaris"] and "sudah habis" in due[0]["text"]
    late = await office.sweep("2026-11-30 10:30")
    assert sorted(m["to"] for m in late) == ["Kepala", "Sekretaris"]
    assert "Sekretaris terlambat 1 jam" in next(m["text"] for m in late if m["to"] == "Kepala")
