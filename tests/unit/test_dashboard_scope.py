"""Who sees which run on the dashboard (issue 14), on the shipped Pengukuran Kinerja: a
kabupaten viewer every Kecamatan of his kabupaten and no other; the Camat (a top role) every
run of his office; a Kasi only a run he took part in, and of its documents his own; someone
of a Kecamatan nothing of another. And `kinerja-bot run --dashboard`'s refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.dashboard.scope import Access, Viewer, access, may_download
from bot.cli import main
from workflow.model import (
    KABUPATEN_VIEWER,
    Assignment,
    AssignmentStatus,
    Document,
    Organisation,
    Person,
    Run,
    RunStatus,
)
from workflow.spec import resolve_definition

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SPEC = resolve_definition("pengukuran-kinerja").spec
CONTOH = Organisation("c" * 32, "Kecamatan Contoh", kabupaten="Purwakarta")
CIBATU = Organisation("d" * 32, "Kecamatan Cibatu", kabupaten="Subang")
BAGIAN = Organisation("b" * 32, "Bagian Organisasi", kabupaten="Purwakarta", level="kabupaten")


def _person(name: str, org: Organisation, *roles: str) -> Person:
    return Person(id=name.ljust(32, "x"), org_id=org.id, name=name, roles=frozenset(roles))


CAMAT = _person("camat", CONTOH, "camat")
KASI = _person("kasi", CONTOH, "anggota_tim_sakip")
OTHER_KASI = _person("other", CONTOH, "anggota_tim_sakip")
VIEWER = _person("viewer", BAGIAN, KABUPATEN_VIEWER)


def _run(org: Organisation, *part_of: Person) -> Run:
    run = Run("r" * 32, org.id, SPEC.name, "v1", "T", RunStatus.ACTIVE, CAMAT.id, NOW)
    for p in part_of:
        run.assignments.append(
            Assignment("a" * 32, run.id, "i", 7, p.id, "anggota_tim_sakip",
                       AssignmentStatus.DONE, NOW, None)
        )  # fmt: skip
    return run


def _document(by: Person) -> Document:
    return Document("e" * 32, CONTOH.id, "data.xlsx", "x", 1, "0" * 64, "p", by.id, NOW)


def test_a_kabupaten_viewer_sees_his_kabupaten_and_nothing_else() -> None:
    viewer = Viewer(VIEWER, BAGIAN)
    assert viewer.kabupaten_wide
    assert access(viewer, CONTOH, _run(CONTOH), SPEC) is Access.FULL
    assert access(viewer, CIBATU, _run(CIBATU), SPEC) is Access.NONE
    assert access(viewer, BAGIAN, _run(BAGIAN), SPEC) is Access.NONE
    # The role counts only in a kabupaten-level office.
    assert not Viewer(_person("x", CONTOH, KABUPATEN_VIEWER), CONTOH).kabupaten_wide


def test_the_camat_sees_his_office_and_a_kasi_only_what_he_took_part_in() -> None:
    assert access(Viewer(CAMAT, CONTOH), CONTOH, _run(CONTOH), SPEC) is Access.FULL
    assert access(Viewer(CAMAT, CONTOH), CIBATU, _run(CIBATU), SPEC) is Access.NONE
    kasi = Viewer(KASI, CONTOH)
    assert access(kasi, CONTOH, _run(CONTOH), SPEC) is Access.NONE
    assert access(kasi, CONTOH, _run(CONTOH, KASI), SPEC) is Access.PARTICIPANT
    assert may_download(kasi, Access.PARTICIPANT, _document(KASI))
    assert not may_download(kasi, Access.PARTICIPANT, _document(OTHER_KASI))
    assert may_download(Viewer(CAMAT, CONTOH), Access.FULL, _document(OTHER_KASI))
    assert not may_download(kasi, Access.NONE, _document(KASI))


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--dashboard", "8090"], "--dashboard must be HOST:PORT"),
        (["--dashboard", "0.0.0.0:8090"], "needs KINERJA_DASHBOARD_URL"),
        (
            ["--webhook-url", "https://bot.example.go.id", "--dashboard", "127.0.0.1:8090"],
            "--dashboard is for polling mode",
        ),
    ],
)
def test_run_dashboard_option_refusals_are_one_line(
    args: list[str],
    problem: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:AAEsecret")
    monkeypatch.delenv("KINERJA_DASHBOARD_URL", raising=False)
    assert main(["run", *args]) == 1
    err = capsys.readouterr().err
    assert problem in err and len(err.strip().splitlines()) == 1 and "AAEsecret" not in err
