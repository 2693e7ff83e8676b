"""The dossier's record built by hand, without a database: the disposition chain (the
disposition step's sifat and arahan, then `paraf_given` events in the order given), the
attendance of a meeting, the capaian table of a measured period and the timeline's office
minutes — each read back from the rendered PDF; and the bundle's readable names."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from application.dossier.bundle import bundle_names, first_name
from application.dossier.pdf import dossier_pdf
from application.dossier.record import DocumentLine, Dossier, build_dossier
from application.measurement import measure
from tests.unit.indicator_samples import indicator_set
from workflow.indicators import Period
from workflow.meetings import Invitee, Meeting, MeetingStatus, Rsvp
from workflow.model import Event, EventKind, Organisation, Person, Run
from workflow.spec import load_definition_file, resolve_definition

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
SPEC = resolve_definition("pengukuran-kinerja").spec
PEOPLE = [
    Person("p-camat", "org", "Drs. Ahmad Suryana", frozenset({"camat"})),
    Person("p-sek", "org", "Siti Rahmawati", frozenset({"sekretaris"})),
    Person("p-sakip", "org", "Budi Santoso", frozenset({"sekretaris_tim_sakip"})),
    Person("p-rina", "org", "Rina Marlina", frozenset({"anggota_tim_sakip"})),
]


def _event(seq: int, kind: str, minutes: int, actor_id: str | None = None, **fields: Any) -> Event:
    # A kind the engine does not know yet (paraf_given) is kept as its plain string.
    at = T0 + timedelta(minutes=minutes)
    return Event("run-1", seq, kind, at, actor_id, **fields)  # type: ignore[arg-type]


def _run_with_disposition() -> tuple[Run, list[Event]]:
    """Step 1 (the Camat's disposition) done with sifat and arahan; step 2 open."""
    events = [
        _event(
            1,
            EventKind.RUN_STARTED,
            0,
            actor_id="p-camat",
            data={
                "org_id": "org",
                "sop_name": SPEC.name,
                "sop_version": "v1",
                "title": "Pengukuran Kinerja Triwulan IV 2026",
                "period": "Triwulan IV 2026",
            },
        ),
        _event(
            2, EventKind.STEP_ACTIVATED, 0, step_no=1, step_instance_id="s1", data={"round": 1}
        ),
        _event(
            3,
            EventKind.ASSIGNMENT_ACTIVATED,
            0,
            step_no=1,
            step_instance_id="s1",
            assignment_id="a1",
            person_id="p-camat",
            data={"role": "camat", "due_at": (T0 + timedelta(minutes=15)).isoformat()},
        ),
        _event(
            4,
            EventKind.ASSIGNMENT_COMPLETED,
            10,
            actor_id="p-camat",
            step_no=1,
            step_instance_id="s1",
            assignment_id="a1",
            person_id="p-camat",
            note="Selesaikan sebelum akhir bulan",
            data={"sifat": "sangat_segera", "arahan": "Selesaikan sebelum akhir bulan"},
        ),
        _event(
            5,
            EventKind.STEP_COMPLETED,
            10,
            step_no=1,
            step_instance_id="s1",
            data={"outcome": "done"},
        ),
        _event(
            6, EventKind.STEP_ACTIVATED, 10, step_no=2, step_instance_id="s2", data={"round": 1}
        ),
        _event(
            7,
            EventKind.ASSIGNMENT_ACTIVATED,
            10,
            step_no=2,
            step_instance_id="s2",
            assignment_id="a2",
            person_id="p-sakip",
            data={
                "role": "sekretaris_tim_sakip",
                "due_at": (T0 + timedelta(minutes=70)).isoformat(),
            },
        ),
    ]
    run = Run.from_events(events)
    # The paraf chain (another part of the bot records these): the Sekretaris, then the
    # Kasubag, each on the document of step 10.
    events += [
        _event(8, "paraf_given", 200, actor_id="p-sek", step_no=10, data={"role": "sekretaris"}),
        _event(
            9,
            "paraf_given",
            230,
            actor_id="p-sakip",
            step_no=10,
            note="Sudah sesuai",
            data={"role": "sekretaris_tim_sakip"},
        ),
    ]
    return run, events


def _dossier(**extra: Any) -> Dossier:
    run, events = _run_with_disposition()
    return build_dossier(
        org=Organisation("org", "Kecamatan Contoh"),
        spec=SPEC,
        run=run,
        events=events,
        people=PEOPLE,
        documents=[],
        now=T0 + timedelta(minutes=240),
        office_minutes=lambda a, b: int((b - a).total_seconds() // 60),
        **extra,
    )


def _text(d: Dossier, lang: str = "id") -> str:
    reader = PdfReader(io.BytesIO(dossier_pdf(d, lang=lang)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_chain_lists_the_disposition_then_each_paraf_in_order() -> None:
    d = _dossier()
    assert [(c.kind, c.who, c.role, c.sifat) for c in d.chain] == [
        ("disposition", "Drs. Ahmad Suryana", "Camat", "sangat_segera"),
        ("paraf", "Siti Rahmawati", "Sekretaris Kecamatan", None),
        ("paraf", "Budi Santoso", "Sekretaris Tim SAKIP", None),
    ]
    text = _text(d)
    assert "Disposisi (langkah 1)" in text and "Sangat segera" in text
    assert "Selesaikan sebelum akhir bulan" in text
    assert "Paraf (langkah 10)" in text and "Sudah sesuai" in text
    assert text.index("Siti Rahmawati") < text.index("Sudah sesuai")


def test_the_timeline_counts_office_minutes_and_marks_the_open_step_late() -> None:
    d = _dossier()
    assert [(r.step_no, r.used_minutes, r.budget_minutes, r.state) for r in d.timeline] == [
        (1, 10, 15, "on_time"),
        (2, 230, 60, "open_late"),
    ]
    assert "Berjalan, terlambat" in _text(d)
    assert "In progress, late" in _text(d, "en")


def test_attendance_and_the_capaian_table_are_printed() -> None:
    meeting = Meeting(
        id="m1",
        org_id="org",
        run_id="run-1",
        step_no=5,
        organiser_id="p-sakip",
        uid="uid",
        sequence=0,
        status=MeetingStatus.HELD,
        start_at=T0 + timedelta(days=1),
        end_at=T0 + timedelta(days=1, hours=2),
        place="Aula Kecamatan",
        agenda="Pembahasan pengukuran kinerja",
        letter_number="005/014/Kec.Ctn/XI/2026",
        created_at=T0,
        invitees=[
            Invitee("p-camat", Rsvp.ATTENDING, attended=True),
            Invitee("p-rina", Rsvp.DELEGATED, delegate="Drs. Joko", attended=False),
        ],
    )
    period = Period(2026, 4)
    realised = {"IKU-1": {4: Decimal("84.5")}, "IKU-2": {4: Decimal("96.5")}}
    measured = measure(indicator_set(), period, realised)
    d = _dossier(meetings=[meeting], capaian=measured)
    text = _text(d)
    assert "Aula Kecamatan" in text and "005/014/Kec.Ctn/XI/2026" in text
    assert "diwakilkan: Drs. Joko" in text
    assert "Capaian kinerja" in text
    scored = [m for m in d.capaian if m.capaian is not None]
    assert [m.indicator.code for m in scored] == ["IKU-1", "IKU-2"]
    assert "103,05" in text and "101,58" in text  # 84,5 of 82 and 96,5 of 95


def test_documents_get_readable_unique_names_in_the_bundle() -> None:
    assert first_name("Drs. Ahmad Suryana") == "ahmad"
    assert first_name("Éva Ṣāliḥ") == "eva"
    line = DocumentLine(
        "d1", 7, "Data Kinerja (final).xlsx", 2, "Rina Marlina", T0, 10, "0" * 64, "x"
    )
    twin = DocumentLine(
        "d2", 7, "data kinerja final.xlsx", 2, "Rina Marlina", T0, 10, "1" * 64, "x"
    )
    assert bundle_names([line, twin]) == {
        "d1": "dokumen/07-rina-v2-data-kinerja-final.xlsx",
        "d2": "dokumen/07-rina-v2-data-kinerja-final-2.xlsx",
    }


def test_a_definition_may_have_only_one_archiving_step(tmp_path: Any) -> None:
    import pytest

    from workflow.spec import DefinitionError

    text = (
        "name: dua-arsip\ntitle: Dua\nroles: [{id: a, name: A}]\nsteps:\n"
        "  - {no: 1, title: X, actors: [a], minutes: 5, output: O, archives: true}\n"
        "  - {no: 2, title: Y, actors: [a], minutes: 5, output: O, archives: true}\n"
    )
    path = tmp_path / "dua-arsip.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="only one step may archive"):
        load_definition_file(path)
    assert SPEC.archiving_step is not None and SPEC.archiving_step.no == 14
