"""The outgoing-letter register on SQLite and PostgreSQL: concurrent letters get distinct
consecutive numbers, a year starts again at 1, a cancelled letter keeps its number; the org
file carries the letterhead and numbering (importable again); the console lists and exports
the register."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from application.letters import issue_letter
from bot.cli import main
from bot.demo import sample_org_text
from storage.errors import OrgImportError
from storage.org_import import import_organisation
from tests.integration.conftest import SAMPLE_ORG, Database, Org
from workflow.letters import Letter, LetterStatus
from workflow.spec import LoadedDefinition

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CONCURRENT = 24


async def take(db: Database, org_id: str, on: date, subject: str = "Undangan") -> Letter:
    """Issue one letter in a unit of work of its own and commit it."""
    async with db.uow() as uow:
        org = await uow.people.get_org(org_id)
        assert org is not None
        letter = await issue_letter(
            uow,
            org,
            "undangan",
            issued_on=on,
            now=NOW,
            subject=subject,
            addressee="Sekretaris Kecamatan",
            signed_by="Drs. Ahmad",
        )
        await uow.commit()
    return letter


async def test_concurrent_letters_get_distinct_consecutive_numbers(db: Database, org: Org) -> None:
    letters = await asyncio.gather(
        *(take(db, org.id, date(2026, 12, 1), f"Surat {i}") for i in range(CONCURRENT))
    )
    assert sorted(x.serial for x in letters) == list(range(1, CONCURRENT + 1))
    assert len({x.number for x in letters}) == CONCURRENT
    async with db.uow() as uow:
        stored = await uow.letters.of_org(org.id, 2026)
    assert [x.serial for x in stored] == list(range(1, CONCURRENT + 1))
    by_serial = {x.serial: x.number for x in letters}
    assert all(x.number == by_serial[x.serial] for x in stored)
    assert stored[0].number == "005/001/Kec/2026"  # undangan's default code and pattern


async def test_the_numbers_restart_each_year_and_a_cancelled_letter_keeps_its_own(
    db: Database, org: Org
) -> None:
    first = await take(db, org.id, date(2026, 12, 30))
    second = await take(db, org.id, date(2026, 12, 31))
    async with db.uow() as uow:
        await uow.letters.cancel(second.id, NOW, "salah alamat")
        await uow.commit()
    third = await take(db, org.id, date(2026, 12, 31))
    new_year = await take(db, org.id, date(2027, 1, 2))
    assert (first.serial, second.serial, third.serial, new_year.serial) == (1, 2, 3, 1)
    assert new_year.number == "005/001/Kec/2027"  # the default pattern and code of undangan
    async with db.uow() as uow:
        kept = await uow.letters.of_org(org.id, 2026)
        everything = await uow.letters.of_org(org.id)
    assert [x.status for x in kept] == [
        LetterStatus.ISSUED,
        LetterStatus.CANCELLED,
        LetterStatus.ISSUED,
    ]
    assert kept[1].cancel_reason == "salah alamat" and kept[1].number == second.number
    assert len(everything) == 4


async def test_the_org_file_carries_the_letterhead_and_numbering_and_imports_again(
    db: Database, sop: LoadedDefinition
) -> None:
    report = await import_organisation(db.uow, sample_org_text(), sop)
    async with db.uow() as uow:
        org = await uow.people.get_org(report.org_id)
        people = {p.name: p for p in await uow.people.of_org(report.org_id)}
    assert org is not None
    head = org.identity.letterhead
    assert head.government == "Pemerintah Kabupaten Purwakarta" and head.postcode == "41181"
    assert org.identity.city == "Purwakarta" and org.identity.unit == "Kec.Ctn"
    assert org.identity.number("undangan", 7, date(2026, 12, 1)) == "005/007/Kec.Ctn/XII/2026"
    assert people["Drs. Ahmad Suryana"].jabatan == "Camat Contoh"
    assert people["Siti Rahmawati"].pangkat == "Pembina (IV/a)"

    changed = sample_org_text().replace("unit: Kec.Ctn", "unit: Kec.Cth")
    changed = changed.replace("jabatan: Camat Contoh", "jabatan: Plt. Camat Contoh")
    again = await import_organisation(db.uow, changed, sop)
    assert again.updated == 1 and not again.org_created
    async with db.uow() as uow:
        org = await uow.people.get_org(report.org_id)
        camat = await uow.people.get(people["Drs. Ahmad Suryana"].id)
    assert org is not None and org.identity.unit == "Kec.Cth"
    assert camat is not None and camat.jabatan == "Plt. Camat Contoh"
    # A file without the sections keeps what is stored.
    await import_organisation(db.uow, SAMPLE_ORG, sop)
    async with db.uow() as uow:
        org = await uow.people.get_org(report.org_id)
    assert org is not None and org.identity.unit == "Kec.Cth"


@pytest.mark.parametrize(
    ("section", "reason"),
    [
        (
            "letters: {kinds: {undangan: {klasifikasi: '005', pattern: '{tahun}/{unit}'}}}",
            "{nomor}",
        ),
        ("letters: {kinds: {undangan: {klasifikasi: '005', pattern: '{nomer}'}}}", "nomer"),
        ("letters: {kinds: {undangan: {klasifikasi: '005', signed_by: lurah}}}", "lurah"),
        ("letters: {head_role: bupati}", "bupati"),
        ("letterhead: {kop: x}", "letterhead.kop"),
    ],
)
async def test_a_bad_letters_section_is_refused_in_one_line(
    db: Database, sop: LoadedDefinition, section: str, reason: str
) -> None:
    text = SAMPLE_ORG.replace("people:", f"{section}\npeople:", 1)
    with pytest.raises(OrgImportError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        await import_organisation(db.uow, text, sop)


def test_the_console_lists_and_exports_the_register(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    org_file = tmp_path / "org.yaml"
    org_file.write_text(sample_org_text(), encoding="utf-8")
    assert main(["org", "import", str(org_file)]) == 0
    assert main(["org", "list"]) == 0
    listed = capsys.readouterr().out
    assert "letterhead: Pemerintah Kabupaten Purwakarta / Kecamatan Contoh" in listed
    assert "undangan: 005, {klasifikasi}/{nomor:03d}/{unit}/{bulan_romawi}/{tahun}" in listed
    assert "Camat Contoh; Pembina Tk. I (IV/b), NIP 197001011990031001" in listed
    assert main(["letters", "list"]) == 0
    assert "no letters of Kecamatan Contoh yet" in capsys.readouterr().out

    async def issue_two() -> None:
        from storage.database import make_engine, make_session_factory
        from storage.uow import SqlUnitOfWork

        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kinerja.sqlite3'}")
        try:
            db = Database("", engine, make_session_factory(engine))
            async with SqlUnitOfWork(db.sessions) as uow:
                [org] = await uow.people.list_orgs()
            await take(db, org.id, date(2026, 12, 1), "Undangan Rapat Ṣāliḥ")
            cancelled = await take(db, org.id, date(2026, 12, 2))
            async with SqlUnitOfWork(db.sessions) as uow:
                await uow.letters.cancel(cancelled.id, NOW, "batal")
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(issue_two())
    assert main(["letters", "list", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "005/001/Kec.Ctn/XII/2026" in out and "Undangan Rapat Ṣāliḥ" in out
    assert "005/002/Kec.Ctn/XII/2026" in out and "[cancelled: batal]" in out
    assert main(["letters", "list", "--year", "2025"]) == 0
    assert "no letters of Kecamatan Contoh in 2025 yet" in capsys.readouterr().out

    csv_file, xlsx_file = tmp_path / "agenda.csv", tmp_path / "agenda.xlsx"
    assert main(["letters", "export", "--format", "csv", "--out", str(csv_file)]) == 0
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["No. Urut", "Nomor Surat"]
    assert rows[1][1] == "005/001/Kec.Ctn/XII/2026" and rows[1][4] == "Undangan Rapat Ṣāliḥ"
    assert rows[2][-1] == "dibatalkan: batal"
    assert main(["letters", "export", "--format", "xlsx", "--out", str(xlsx_file)]) == 0
    sheet = load_workbook(xlsx_file).active
    assert sheet is not None
    assert sheet["A1"].value == "BUKU AGENDA SURAT KELUAR — Kecamatan Contoh"
    assert [c.value for c in sheet[3]][:3] == [1, "005/001/Kec.Ctn/XII/2026", "2026-12-01"]
    assert sheet["H4"].value == "dibatalkan: batal"
