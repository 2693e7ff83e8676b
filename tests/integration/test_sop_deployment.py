"""SOPs deployed as data: storage takes new runs' definitions from the catalog, and the
organisation file may use exactly the roles the SOPs in use declare."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage.errors import OrgImportError
from storage.org_import import import_organisation
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import Database
from workflow.catalog import SopCatalog

HONOR = """\
name: pembayaran-honor
title: Pembayaran Honor Kegiatan
roles:
  - {id: camat, name: Camat}
  - {id: bendahara, name: Bendahara Pengeluaran, supervisor: camat}
starters: [bendahara]
steps:
  - {no: 1, title: Menyiapkan daftar honor, actors: [bendahara], minutes: 30, output: Daftar}
  - {no: 2, title: Menyetujui, actors: [camat], minutes: 15, output: Daftar disetujui,
     decision: {return_to: 1}}
"""
ORG = """\
organisation: Kecamatan Contoh
people:
  - {name: "Drs. Ahmad", roles: [camat], admin: true}
  - {name: "Yuni", roles: [bendahara]}
  - {name: "Rina", roles: [pengadministrasi_umum]}
"""


@pytest.fixture
def sop_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sop"
    folder.mkdir()
    (folder / "pembayaran-honor.yaml").write_text(HONOR, encoding="utf-8")
    return folder


async def test_new_runs_take_the_definition_the_catalog_finds(db: Database, sop_dir: Path) -> None:
    shipped = (SopCatalog().path("pengukuran-kinerja") or Path()).read_text(encoding="utf-8")
    own = shipped.replace("title: Pengukuran Kinerja\n", "title: Pengukuran Kinerja Kami\n")
    (sop_dir / "pengukuran-kinerja.yaml").write_text(own, encoding="utf-8")
    sops = SopCatalog([sop_dir])
    async with SqlUnitOfWork(db.sessions, sops=sops) as uow:
        mine = await uow.definitions.current("pengukuran-kinerja")
        honor = await uow.definitions.current("pembayaran-honor")
        mail = await uow.definitions.current("pengelolaan-surat-masuk")
        assert await uow.definitions.current("tidak-ada") is None
        await uow.commit()
    assert mine is not None and mine.spec.title == "Pengukuran Kinerja Kami"
    assert honor is not None and mail is not None
    async with db.uow() as uow:  # the shipped catalog by default; pinned versions stay
        shipped_now = await uow.definitions.current("pengukuran-kinerja")
        assert await uow.definitions.current("pembayaran-honor") is None
        pinned = await uow.definitions.get("pengukuran-kinerja", mine.version)
    assert shipped_now is not None and shipped_now.spec.title == "Pengukuran Kinerja"
    assert pinned is not None and pinned.spec.title == "Pengukuran Kinerja Kami"


async def test_org_import_accepts_roles_of_any_sop_in_use(db: Database, sop_dir: Path) -> None:
    report = await import_organisation(db.uow, ORG, SopCatalog([sop_dir]).all())
    assert report.created == 3
    async with db.uow() as uow:
        yuni = await uow.people.holders(report.org_id, "bendahara")
    assert [p.name for p in yuni] == ["Yuni"]


async def test_org_import_refuses_a_role_no_sop_declares(db: Database) -> None:
    with pytest.raises(OrgImportError) as caught:
        await import_organisation(db.uow, ORG, SopCatalog().all())
    message = str(caught.value)
    assert message.startswith("person 'Yuni': unknown role 'bendahara' (known: ")
    assert "pengadministrasi_umum" in message and "sekretaris_tim_sakip" in message
    assert "\n" not in message


def test_cli_org_import_takes_roles_from_kinerja_sop_dir(
    tmp_path: Path,
    sop_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KINERJA_SOP_DIR", raising=False)
    org = tmp_path / "org.yaml"
    org.write_text(ORG, encoding="utf-8")
    assert main(["org", "import", str(org)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kinerja-bot: {org}: person 'Yuni': unknown role 'bendahara'")
    monkeypatch.setenv("KINERJA_SOP_DIR", str(sop_dir))
    assert main(["org", "import", str(org)]) == 0
    assert "3 new" in capsys.readouterr().out
    # A broken file in the SOP directory stops the import with one line naming it.
    (sop_dir / "rusak.yaml").write_text("name: rusak\nsteps: 3\n", encoding="utf-8")
    assert main(["org", "import", str(org)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kinerja-bot: {sop_dir / 'rusak.yaml'}: ") and err.count("\n") == 1
