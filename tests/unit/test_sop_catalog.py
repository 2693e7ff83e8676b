"""The SOP catalog: deployment directories before the shipped SOPs, names checked; `sop list`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from workflow.catalog import SHIPPED, SopCatalog
from workflow.spec import DEFINITIONS_DIR, DefinitionError, builtin_definition_names

SHIPPED_SOP = "pengukuran-kinerja"


def _copy(folder: Path, name: str, title: str, *, file_name: str | None = None) -> Path:
    """A shipped SOP's file in `folder` with another title (optionally under another name)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (DEFINITIONS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace("\ntitle: ", f"\ntitle: {title} # was: ", 1)
    path = folder / f"{file_name or name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_deployment_file_overrides_the_shipped_sop_of_the_same_name(tmp_path: Path) -> None:
    _copy(tmp_path, SHIPPED_SOP, "Pengukuran Kinerja Kantor Kami")
    sops = SopCatalog([tmp_path])
    assert sops.load(SHIPPED_SOP).spec.title == "Pengukuran Kinerja Kantor Kami"
    assert sops.origin(SHIPPED_SOP) == str(tmp_path)
    assert sops.origin("pengelolaan-surat-masuk") == SHIPPED
    assert sops.names() == builtin_definition_names()
    assert SopCatalog().load(SHIPPED_SOP).spec.title == "Pengukuran Kinerja"


def test_first_directory_wins(tmp_path: Path) -> None:
    _copy(tmp_path / "a", SHIPPED_SOP, "Dari A")
    _copy(tmp_path / "b", SHIPPED_SOP, "Dari B")
    sops = SopCatalog([tmp_path / "a", tmp_path / "b"])
    assert sops.load(SHIPPED_SOP).spec.title == "Dari A"
    assert SopCatalog([tmp_path / "b", tmp_path / "a"]).load(SHIPPED_SOP).spec.title == "Dari B"


def test_file_whose_name_differs_from_its_sop_name_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path, SHIPPED_SOP, "Salah Nama", file_name="kinerja")
    sops = SopCatalog([tmp_path])
    with pytest.raises(DefinitionError) as caught:
        sops.load("kinerja")
    message = str(caught.value)
    assert message.startswith(f"{path}: name: 'pengukuran-kinerja' differs from the file name")
    assert "\n" not in message
    with pytest.raises(DefinitionError):
        sops.all()


def test_broken_or_missing_deployment_files_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "rusak.yaml"
    broken.write_text("name: rusak\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=f"^{broken}: line"):
        SopCatalog([tmp_path]).load("rusak")
    missing = tmp_path / "tidak-ada"
    with pytest.raises(DefinitionError, match=f"^{missing}: SOP directory not found$"):
        SopCatalog([missing]).names()
    with pytest.raises(DefinitionError, match="no such SOP; available: "):
        SopCatalog().load("tidak-ada")


def test_roles_of_every_sop_in_use(tmp_path: Path) -> None:
    roles = SopCatalog().role_ids()
    assert {"sekretaris_tim_sakip", "pengadministrasi_umum", "kasi", "camat"} <= roles


def test_kinerja_sop_dir_takes_several_directories(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    settings = Settings(KINERJA_SOP_DIR=f"{first}{os.pathsep}{second}")
    assert settings.sop_dirs() == [first, second]
    assert settings.sops().dirs == [first, second, DEFINITIONS_DIR]
    assert Settings().sop_dirs() == []


def test_shipped_incoming_mail_sop_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    path = DEFINITIONS_DIR / "pengelolaan-surat-masuk.yaml"
    assert main(["sop", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out == f"ok: {path}: pengelolaan-surat-masuk, 7 steps, 215 minutes\n"
    spec = SopCatalog().load("pengelolaan-surat-masuk").spec
    assert [s.no for s in spec.steps if s.disposition] == [3]
    review = [s for s in spec.steps if s.decision is not None]
    assert [(s.no, s.decision.return_to) for s in review if s.decision] == [(6, [5])]
    assert spec.step(5).requires_document and spec.step(5).actors == ["kasi"]


@pytest.fixture
def sop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KINERJA_SOP_DIR names a directory with the office's own Pengukuran Kinerja."""
    folder = tmp_path / "sop"
    _copy(folder, SHIPPED_SOP, "Pengukuran Kinerja Kecamatan Contoh")
    monkeypatch.setenv("KINERJA_SOP_DIR", str(folder))
    return folder


def test_cli_sop_list_shows_totals_and_where_each_comes_from(
    sop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sop", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "title", "steps", "minutes", "from"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert sorted(rows) == ["pengelolaan-surat-masuk", "pengukuran-kinerja"]
    mine = rows["pengukuran-kinerja"]
    assert "Pengukuran Kinerja Kecamatan Contoh" in mine
    assert mine.split()[-3:] == ["14", "795", str(sop_dir)]
    assert rows["pengelolaan-surat-masuk"].split()[-3:] == ["7", "215", "shipped"]


def test_cli_sop_list_names_a_broken_file_in_one_line(
    sop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _copy(sop_dir, SHIPPED_SOP, "Salah", file_name="salah-nama")
    assert main(["sop", "list"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"invalid: {sop_dir / 'salah-nama.yaml'}: name:")
    assert "pengukuran-kinerja" in captured.out  # the good ones are still listed


def test_cli_sop_show_resolves_through_the_catalog(
    sop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sop", "show", SHIPPED_SOP]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Pengukuran Kinerja Kecamatan Contoh (pengukuran-kinerja, version ")
    assert main(["sop", "show", "tidak-ada"]) == 1
    assert "no such SOP" in capsys.readouterr().err


def test_cli_sop_validate_says_how_to_name_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, SHIPPED_SOP, "X", file_name="draf")
    assert main(["sop", "validate", str(path)]) == 0
    assert "(in an SOP directory, name the file pengukuran-kinerja.yaml)" in (
        capsys.readouterr().out
    )


def test_bot_does_not_start_on_a_broken_sop_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rusak.yaml").write_text("name: rusak\nroles: []\n", encoding="utf-8")
    monkeypatch.setenv("KINERJA_SOP_DIR", str(tmp_path))
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kinerja-bot: {tmp_path / 'rusak.yaml'}: ") and err.count("\n") == 1
    assert not (tmp_path / "data").exists()  # stopped before touching the database
