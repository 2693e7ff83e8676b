"""SOP definition validation and the administrator's CLI (sop, calendar)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from workflow.spec import DefinitionError, parse_definition, resolve_definition

GOOD = """\
name: contoh
title: Contoh
roles:
  - {id: kepala, name: Kepala}
  - {id: staf, name: Staf, supervisor: kepala}
steps:
  - {no: 1, title: Perintah, actors: [kepala], minutes: 10, output: Disposisi}
  - {no: 2, title: Kerjakan, actors: [staf], mode: each, minutes: 30, output: Laporan,
     requires_document: true}
  - {no: 3, title: Periksa, actors: [kepala], minutes: 20, output: Laporan,
     decision: {return_to: 2}}
"""


def test_shipped_sop_has_14_steps_and_795_minutes() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    assert [s.no for s in spec.steps] == list(range(1, 15))
    assert spec.total_minutes == 795
    assert spec.step(9).decision is not None and spec.step(9).decision.return_to == [7, 2]
    assert [spec.step(n).mode.value for n in (6, 7, 8)] == ["each"] * 3
    assert spec.step(5).mode.value == "meeting"
    assert len(spec.identity.dasar_hukum) == 5


def test_a_step_names_who_receives_its_documents_and_a_review_several_return_steps() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    delivering = {s.no: s.delivers for s in spec.steps if s.delivers is not None}
    assert {no: (d.documents_of, d.to) for no, d in delivering.items()} == {
        3: ([2], ["anggota_tim_sakip"]),
        8: ([7, 8], ["sekretaris_tim_sakip"]),  # and the formulir it compiles (issue 12)
    }
    one = parse_definition(GOOD).spec.step(3).decision
    assert one is not None and one.return_to == [2]  # a single number is a list of one


def test_the_shipped_sop_marks_its_measurement_steps() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    marked = {s.no: s.measurement.value for s in spec.steps if s.measurement is not None}
    assert marked == {
        2: "prepare_formats",
        6: "collect",
        7: "collect",
        8: "compile",
        9: "review",
    }
    assert spec.step(9).input_documents_from == [7, 8]  # the formulir replaces step 7's


def test_a_measurement_step_needs_an_sop_that_measures_periods() -> None:
    with pytest.raises(DefinitionError, match="step 2: measurement is only for an SOP"):
        parse_definition(GOOD.replace("requires_document: true", "measurement: collect"))
    spec = parse_definition(
        "measures: period\n" + GOOD.replace("requires_document: true", "measurement: collect")
    ).spec
    assert spec.step(2).measurement is not None


def test_version_is_the_content_hash() -> None:
    a = parse_definition(GOOD)
    assert parse_definition(GOOD).version == a.version
    assert parse_definition(GOOD.replace("minutes: 30", "minutes: 31")).version != a.version


@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [
        (("actors: [staf]", "actors: [tamu]"), "", "step 2: actors: unknown role 'tamu'"),
        (("minutes: 30", "minutes: 0"), "step 2: minutes", "greater than 0"),
        (("return_to: 2", "return_to: 3"), "", "step 3: decision.return_to: 3 is not an earlier"),
        (("return_to: 2", "return_to: [2, 3]"), "", "step 3: decision.return_to: 3 is not an"),
        (("return_to: 2", "return_to: [2, 2]"), "", "step 3: decision.return_to: a step is named"),
        (("return_to: 2", "return_to: []"), "step 3: decision.return_to", "at least 1"),
        (
            (
                "output: Disposisi}",
                "output: Disposisi, delivers: {documents_of: [2], to: [staf]}}",
            ),
            "",
            "step 1: delivers.documents_of: 2 is not this or an earlier step",
        ),
        (
            (
                "output: Disposisi}",
                "output: Disposisi, delivers: {documents_of: [1], to: [tamu]}}",
            ),
            "",
            "step 1: delivers.to: unknown role 'tamu'",
        ),
        (
            ("output: Disposisi}", "output: Disposisi, delivers: {to: [staf]}}"),
            "step 1: delivers.documents_of",
            "required field",
        ),
        (("output: Laporan,\n", "outptu: Laporan,\n"), "step 2: outptu", "unknown field"),
        (("{no: 2,", "{no: 5,"), "", "numbered 1, 2, 3"),
        (("mode: each", "mode: sometimes"), "step 2: mode", "Input should be"),
    ],
)
def test_broken_definition_names_place_and_problem(
    change: tuple[str, str], place: str, problem: str
) -> None:
    with pytest.raises(DefinitionError) as exc:
        parse_definition(GOOD.replace(*change), "contoh.yaml")
    assert exc.value.source == "contoh.yaml"
    assert exc.value.place == place
    assert problem in str(exc.value)


def test_yes_no_stay_strings_so_a_step_key_named_no_works() -> None:
    spec = parse_definition(GOOD).spec
    assert spec.steps[0].no == 1


def test_cli_sop_show_lists_steps_and_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sop", "show", "pengukuran-kinerja"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "14 steps, total 795 minutes"
    assert sum(1 for line in out[:-1] if line[:3].strip().isdigit()) == 14


def test_cli_sop_validate_rejects_broken_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("minutes: 20", "minutes: -1"), encoding="utf-8")
    assert main(["sop", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"invalid: {bad}: step 3: minutes:")


def test_cli_sop_validate_accepts_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["sop", "validate", str(good)]) == 0
    assert "3 steps, 60 minutes" in capsys.readouterr().out


def test_cli_calendar_due_friday_afternoon(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "due", "--start", "2026-11-27 15:00", "--minutes", "240"]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first == "2026-11-30 10:00 WIB"
    assert second == "Senin, 30 November 2026 pukul 10.00 WIB"


def test_cli_calendar_bad_start_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "due", "--start", "besok", "--minutes", "5"]) == 1
    assert "not a date and time" in capsys.readouterr().err


LETTER_STEP = """\
  - no: 4
    title: Kirim
    actors: [staf]
    minutes: 15
    output: Surat pengantar
    requires_document: true
    input_documents_from: [2]
    letter: {kind: pengantar, to: Bupati Contoh, cq: Kepala Bagian Organisasi, hal: Penyampaian}
"""


def test_a_step_may_write_a_cover_letter_and_the_shipped_sop_finds_it_by_attribute() -> None:
    letter = parse_definition(GOOD + LETTER_STEP).spec.step(4).letter
    assert letter is not None
    assert (letter.kind, letter.to, letter.cq, letter.di, letter.hal) == (
        "pengantar",
        "Bupati Contoh",
        "Kepala Bagian Organisasi",
        "Tempat",  # the default place under the addressee
        "Penyampaian",
    )
    shipped = resolve_definition("pengukuran-kinerja").spec
    [step] = [s for s in shipped.steps if s.letter is not None]
    assert step.letter is not None and step.letter.to == "Bupati Purwakarta"
    assert step.letter.cq == "Kepala Bagian Organisasi Sekretariat Daerah"
    [meeting] = [s for s in shipped.steps if s.led_by is not None]
    assert meeting.led_by == "camat" and meeting.mode.value == "meeting"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: pengantar", "kind: memo"), "step 4: letter.kind"),
        (("to: Bupati Contoh, ", ""), "step 4: letter.to: required field is missing"),
        (("hal: Penyampaian", "hal: ''"), "step 4: letter.hal"),
        (("    input_documents_from: [2]\n", ""), "needs 'input_documents_from'"),
        (("    requires_document: true\n    input", "    input"), "needs 'requires_document"),
        (
            ("actors: [staf]\n    minutes: 15", "actors: [staf]\n    mode: each\n    minutes: 15"),
            "a step with a letter must have mode 'single'",
        ),
        (("letter: {", "letter: {colour: red, "), "step 4: letter.colour: unknown field"),
    ],
)
def test_a_bad_letter_is_refused_with_its_place(change: tuple[str, str], message: str) -> None:
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(")):
        parse_definition((GOOD + LETTER_STEP).replace(*change), "contoh.yaml")


def test_led_by_names_a_known_role_of_a_meeting_step_only() -> None:
    with pytest.raises(DefinitionError, match="'led_by' is only for mode 'meeting'"):
        parse_definition(GOOD.replace("output: Disposisi}", "output: Disposisi, led_by: kepala}"))
    meeting = GOOD.replace(
        "output: Disposisi}",
        "output: Notulen, mode: meeting, participants: [staf], led_by: WHO}",
    )
    assert parse_definition(meeting.replace("WHO", "kepala")).spec.step(1).led_by == "kepala"
    with pytest.raises(DefinitionError, match="step 1: led_by: unknown role 'lurah'"):
        parse_definition(meeting.replace("WHO", "lurah"))
