"""Issue 16, the formats: four SOP documents we wrote ourselves (tests/unit/sop_documents.py)
— a DOCX with merged header cells, an XLSX, a PDF with a text layer and a noisy OCR text —
each import to the same runnable definition: minutes from hours and working days, a review
with its return target, an `each` step and a meeting, all named in the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from application.sop_import import import_document
from application.sop_readers import UnreadableDocument, read_document
from bot.cli import main
from tests.unit import sop_documents as docs
from workflow.spec import load_definition_file

MAKERS: dict[str, Callable[[], bytes]] = {
    "rencana-kerja.docx": docs.docx_bytes,
    "rencana-kerja.xlsx": docs.xlsx_bytes,
    "rencana-kerja.pdf": docs.pdf_bytes,
    "rencana-kerja-scan.txt": lambda: docs.ocr_text().encode("utf-8"),
}
EXPECTED = docs.EXPECTED


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_each_shape_imports_to_the_same_runnable_definition(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / name
    source.write_bytes(MAKERS[name]())
    out = tmp_path / f"{EXPECTED['name']}.yaml"
    assert main(["sop", "import", str(source), "--out", str(out)]) == 0
    assert "7 steps, 1200 minutes, written to" in capsys.readouterr().err
    spec = load_definition_file(out).spec
    assert spec.name == EXPECTED["name"]
    assert [s.minutes for s in spec.steps] == EXPECTED["minutes"]
    actors = [s.actors for s in spec.steps]
    assert actors[:4] + actors[5:] == EXPECTED["actors"][:4] + EXPECTED["actors"][5:]
    assert actors[4][0].startswith("staf")  # "Staf" in the scan's header, "Staf Seksi" else
    assert [s.no for s in spec.steps if s.mode == "each"] == EXPECTED["each"]
    meeting = spec.step(EXPECTED["meeting"])
    assert meeting.mode == "meeting" and len(meeting.participants) == 4
    inviter, invited = EXPECTED["invites_to"]
    assert spec.step(inviter).invites_to == invited
    reviewer, target = EXPECTED["decision"]
    assert spec.step(reviewer).decision is not None
    assert spec.step(reviewer).decision.return_to == target
    assert spec.step(1).disposition


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_hours_days_and_every_proposal_are_in_the_report(name: str) -> None:
    report = import_document(MAKERS[name](), name)
    points = {(f.step, f.code) for f in report.proposal.findings}
    assert {(2, "time_converted"), (5, "time_converted")} <= points  # 1 jam, 2 hari kerja
    assert {(3, "invitation"), (4, "meeting"), (5, "each"), (6, "decision")} <= points
    converted = [f for f in report.proposal.findings if f.code == "time_converted"]
    assert {"text": "2 hari kerja", "minutes": 900} in [f.params for f in converted]


def test_a_flowchart_mark_is_not_a_guess_but_wording_is() -> None:
    docx = import_document(docs.docx_bytes(), "a.docx").proposal
    assert not [f for f in docx.findings if f.code == "actor_guess"]
    xlsx = import_document(docs.xlsx_bytes(), "a.xlsx").proposal
    guessed = {f.step for f in xlsx.findings if f.code == "actor_guess"}
    assert guessed == set(range(1, 8))


def test_docx_merged_header_and_identity_are_read() -> None:
    doc = read_document(docs.docx_bytes(), "a.docx")
    header = doc.tables[1][0]
    assert header[2:6] == ["Pelaksana"] * 4  # one merged cell over the four actor columns
    definition = import_document(docs.docx_bytes(), "a.docx").proposal.definition
    assert definition["identity"]["nomor"] == "800/017/Kec.Ctn/2026"
    assert definition["identity"]["dasar_hukum"] == [
        "Permendagri Nomor 86 Tahun 2017",
        "Perbup Nomor 12 Tahun 2024",
    ]
    assert [r["name"] for r in definition["roles"]] == docs.ROLES


def test_xlsx_identity_above_the_table_and_pdf_identity_lines_are_read() -> None:
    for maker, name in ((docs.xlsx_bytes, "a.xlsx"), (docs.pdf_bytes, "a.pdf")):
        definition = import_document(maker(), name).proposal.definition
        assert definition["title"] == docs.TITLE
        assert definition["identity"]["peralatan"] == ["Komputer", "Printer"]


def test_a_file_of_no_known_format_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "sop.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["sop", "import", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "damaged" in err
    with pytest.raises(UnreadableDocument):
        read_document(b"\x89PNG\r\n\x1a\n\x00\x00", "scan.png")
