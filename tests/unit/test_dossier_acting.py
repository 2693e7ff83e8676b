"""The dossier names an acting official's part as such: "Siti Rahmawati (Plh. Camat)" in the
timeline and the notes, read back from the PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from pypdf import PdfReader

from application.dossier.pdf import dossier_pdf
from application.dossier.record import build_dossier
from workflow.model import Event, EventKind, Organisation, Person, Run
from workflow.spec import resolve_definition

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SPEC = resolve_definition("pengelolaan-surat-masuk").spec
PEOPLE = [
    Person("p-camat", "org", "Drs. Ahmad Suryana", frozenset({"camat"})),
    Person("p-sek", "org", "Siti Rahmawati", frozenset({"sekretaris"})),
]


def _event(seq: int, kind: EventKind, minutes: int, **fields: Any) -> Event:
    return Event("run-1", seq, kind, T0 + timedelta(minutes=minutes), **fields)


def test_the_plhs_part_is_named_with_her_acting_post() -> None:
    start = {"org_id": "org", "sop_name": SPEC.name, "sop_version": "v1", "title": "Surat A"}
    part = {"step_no": 6, "step_instance_id": "s6", "assignment_id": "a6", "person_id": "p-sek"}
    events = [
        _event(1, EventKind.RUN_STARTED, 0, actor_id="p-camat", data=start),
        _event(2, EventKind.STEP_ACTIVATED, 0, actor_id=None, step_no=6, step_instance_id="s6",
               data={"round": 1}),
        _event(3, EventKind.ASSIGNMENT_ACTIVATED, 0, actor_id=None, **part,
               data={"role": "camat", "due_at": (T0 + timedelta(minutes=30)).isoformat(),
                     "acting_for": "p-camat", "acting_kind": "plh"}),
        _event(4, EventKind.ASSIGNMENT_COMPLETED, 20, actor_id="p-sek", **part,
               note="Lampirkan rekap data per desa.", data={"decision": "returned"}),
    ]  # fmt: skip
    run = Run.from_events(events)
    d = build_dossier(
        org=Organisation("org", "Kecamatan Contoh"),
        spec=SPEC,
        run=run,
        events=events,
        people=PEOPLE,
        documents=[],
        now=T0 + timedelta(minutes=60),
        office_minutes=lambda a, b: int((b - a).total_seconds() // 60),
    )
    assert [r.who for r in d.timeline] == ["Siti Rahmawati (Plh. Camat)"]
    assert [n.who for n in d.notes] == ["Siti Rahmawati (Plh. Camat)"]
    reader = PdfReader(io.BytesIO(dossier_pdf(d, lang="id")))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Siti Rahmawati (Plh. Camat)" in text


def test_a_paraf_given_by_a_plh_is_listed_under_her_acting_post() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    people = [*PEOPLE, Person("p-sts", "org", "Budi Santoso", frozenset({"sekretaris_tim_sakip"}))]
    start = {"org_id": "org", "sop_name": spec.name, "sop_version": "v1", "title": "TW IV"}
    disposal = {
        "step_no": 1,
        "step_instance_id": "s1",
        "assignment_id": "a1",
        "person_id": "p-camat",
    }
    paraf = {"step_no": 1, "step_instance_id": "s1", "assignment_id": "a2", "person_id": "p-sts"}
    events = [
        _event(1, EventKind.RUN_STARTED, 0, actor_id="p-camat", data=start),
        _event(2, EventKind.STEP_ACTIVATED, 0, actor_id=None, step_no=1, step_instance_id="s1",
               data={"round": 1}),
        _event(3, EventKind.ASSIGNMENT_ACTIVATED, 0, actor_id=None, **disposal,
               data={"role": "camat"}),
        _event(4, EventKind.ASSIGNMENT_COMPLETED, 5, actor_id="p-camat", **disposal,
               data={"sifat": "segera"}),
        _event(5, EventKind.ASSIGNMENT_ACTIVATED, 5, actor_id="p-camat", **paraf,
               data={"role": "sekretaris", "paraf": True, "acting_for": "p-sek",
                     "acting_kind": "plh"}),
        _event(6, EventKind.ASSIGNMENT_COMPLETED, 9, actor_id="p-sts", **paraf, data={}),
        _event(7, EventKind.PARAF_GIVEN, 9, actor_id="p-sts", **paraf,
               data={"role": "sekretaris"}),
    ]  # fmt: skip
    d = build_dossier(
        org=Organisation("org", "Kecamatan Contoh"),
        spec=spec,
        run=Run.from_events(events),
        events=events,
        people=people,
        documents=[],
        now=T0 + timedelta(minutes=60),
        office_minutes=lambda a, b: int((b - a).total_seconds() // 60),
    )
    sekretaris = next(r.name for r in spec.roles if r.id == "sekretaris")
    assert [(link.kind, link.who, link.role) for link in d.chain] == [
        ("disposition", "Drs. Ahmad Suryana", "Camat"),
        ("paraf", "Budi Santoso", f"Plh. {sekretaris}"),
    ]
