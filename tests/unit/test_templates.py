"""Every message template renders in both languages with the values the handlers pass, in
the words an official would use; every refusal the code can raise has its own sentence."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import UndefinedError

from application.dossier.bundle import BundleProblem
from application.letters import Signature
from messages.render import LANGUAGES, label, render, template_names
from workflow.errors import REFUSAL_CODES

WHEN = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
TASK = {
    "run_title": "Pengukuran Kinerja Triwulan IV 2026",
    "step_no": 9,
    "total_steps": 14,
    "step_title": "Camat mengoreksi dokumen",
    "round": 2,
    "kelengkapan": ["Dokumen pengukuran kinerja"],
    "output": "Dokumen",
    "due": WHEN,
    "minutes": 60,
    "is_each": False,
    "parts": 1,
    "docs_count": 2,
    "arahan": "Segera <selesaikan>",
    "arahan_by": "Camat",
    "is_disposition": False,
    "is_decision": True,
    "requires_document": False,
    "next_actor": "Sekretaris",
    "return_note": "Lengkapi tabel",
    "returned_by": "Drs. Ahmad",
    "schedules_meeting": False,
    "is_meeting": False,
    "meeting_start": None,
    "meeting_end": None,
    "note": "Dipimpin oleh Camat",
    "changed": [{"name": "data-kasi.pdf", "version": 2, "step_no": 7, "by": "Rina"}],
    "new_version": False,
    "delivers_to": "Anggota Tim SAKIP",
    "delivers_steps": "2",
    "measurement": "",
    "writes_letter": False,
}
SAMPLES: dict[str, dict[str, Any]] = {
    "task_assigned": TASK,
    "ack_done": {"step_no": 2, "step_title": "Format", "name": "Budi", "waiting": 2},
    "ack_decision": {
        "approved": False,
        "return_to": 7,
        "return_title": "Himpun data",
        "return_person": "Rina",
    },
    "ack_disposition": {
        "sifat": "Segera",
        "number": "001/Disp/Kec.Ctn/2026",
        "paraf_by": "Sekretaris Kecamatan, Sekretaris Tim SAKIP",
        "next_actor": "Sekretaris Tim SAKIP",
    },
    "ack_paraf": {
        "step_no": 1,
        "at": WHEN,
        "note": "Mohon <segera>",
        "is_disposition": True,
        "next_paraf": "Sekretaris Tim SAKIP",
        "next_step_no": None,
        "next_actor": "",
    },
    "paraf_already": {"step_no": 1, "at": WHEN},
    "paraf_task": {
        "run_title": "Pengukuran Kinerja Triwulan IV 2026",
        "step_no": 1,
        "total_steps": 14,
        "step_title": "Camat memerintahkan",
        "role": "Sekretaris Tim SAKIP",
        "by": "Bapak Drs. Ahmad",
        "is_disposition": True,
        "sifat": "Segera",
        "number": "001/Disp/Kec.Ctn/2026",
        "arahan": "Selesaikan <bulan ini>",
        "before": [
            {"name": "Ibu Siti", "role": "Sekretaris Kecamatan", "at": WHEN, "note": "Catatan"}
        ],
        "due": WHEN,
        "minutes": 15,
        "next_paraf": "",
        "next_actor": "Sekretaris Tim SAKIP",
    },
    "upload_prompt": {"step_no": 2, "output": "Draf", "max_mb": 20},
    "upload_saved": {
        "name": "a.pdf",
        "step_no": 2,
        "version": 1,
        "size_kb": 3,
        "can_finish": True,
        "recorded": 3,
    },
    "upload_refused": {"reason": "wrong_type", "max_mb": 20, "detected": "exe"},
    "note_prompt": {
        "kind": "return_note",
        "return_to": 7,
        "return_title": "Himpun data",
        "return_person": "Rina",
    },
    "documents_delivered": {
        "run_title": "R",
        "step_no": 3,
        "step_title": "Sampaikan format",
        "by": "Budi",
        "note": None,
        "docs_count": 1,
    },
    "return_button": {"kind": "step", "step_no": 2, "step_title": "Membuat format " * 6},
    "return_choose": {
        "kind": "step",
        "steps": [{"no": 7, "title": "Data"}, {"no": 2, "title": "Format"}],
    },
    "refusal_in_chat": {},
    "return_pick": {
        "step_no": 7,
        "step_title": "Kasi menghimpun data",
        "lines": [
            {
                "code": "IKU-04",
                "name": "Jumlah desa dibina",
                "value": "3 desa",
                "who": "Rina",
                "ticked": True,
            },
            {"code": "IKU-05", "name": "Renja", "value": "ada", "who": "Rina", "ticked": False},
        ],
        "page": 1,
        "pages": 2,
        "chosen": ["IKU-04"],
    },
    "returned_indicators": {
        "step_no": 7,
        "period": "Triwulan IV 2026",
        "lines": [{"code": "IKU-04", "name": "Jumlah desa dibina", "value": "3 desa"}],
        "note": "Angka <IKU-04> belum sesuai",
    },
    "return_changes": {
        "lines": [
            {
                "code": "IKU-04",
                "old": "3 desa",
                "new": "4 desa",
                "old_capaian": "75 %",
                "new_capaian": "100 %",
                "changed": True,
            },
            {
                "code": "IKU-05",
                "old": "ada",
                "new": "ada",
                "old_capaian": "100 %",
                "new_capaian": "100 %",
                "changed": False,
            },
        ]
    },
    "arahan_saved": {},
    "step_ended_notice": {
        "run_title": "R",
        "step_no": 8,
        "step_title": "S",
        "outcome": "done",
        "by": "Rina, Dewi",
        "note": None,
        "docs_count": 2,
    },
    "group_progress": {
        "run_title": "R",
        "step_no": 8,
        "step_title": "S",
        "outcome": "returned",
        "by": "Camat",
        "next_step_no": 8,
        "next_step_title": "S",
        "next_by": "X",
    },
    "run_started": {
        "run_title": "R",
        "sop_title": "Pengukuran Kinerja",
        "by": "Camat",
        "steps": 14,
        "minutes": 795,
    },
    "run_completed": {"run_title": "R", "steps": 14},
    "run_cancelled": {"run_title": "R", "by": "Camat", "reason": "dobel"},
    "reassigned_away": {"step_no": 13, "run_title": "R", "to_name": "Rina"},
    "document_caption": {"step_no": 2, "name": "a.pdf", "by": "Budi"},
    "stale_button": {},
    "not_your_button": {},
    "start_no_code": {},
    "invite_bad": {"reason": "expired"},
    "welcome": {"name": "Rina", "roles": "Anggota Tim SAKIP", "org": "Kecamatan Contoh"},
    "already_linked": {"name": "Rina"},
    "help": {"is_admin": True, "can_start": True},
    "tasks": {
        "items": [
            {
                "run_title": "R",
                "step_no": 2,
                "step_title": "S",
                "due": WHEN,
                "overdue_minutes": 75,
            },
            # A meeting step waiting for its meeting time: no due time yet.
            {"run_title": "R", "step_no": 5, "step_title": "S", "due": None, "overdue_minutes": 0},
        ]
    },
    "status": {
        "runs": [
            {
                "title": "R",
                "sop_title": "P",
                "step_no": 6,
                "total_steps": 14,
                "step_title": "S",
                "who": ["Rina", "Dewi"],
                "used_minutes": 30,
                "budget_minutes": 120,
                "overdue": False,
            }
        ]
    },
    "history": {
        "view": {"unknown": None},
        "runs": [],
        "trail": {
            "title": "R",
            "run_no": 2,
            "page": 1,
            "pages": 2,
            "sop_title": "Pengukuran Kinerja",
            "status": "active",
            "entries": [
                {
                    "at": WHEN,
                    "who": "Camat",
                    "kind": "assignment_completed",
                    "step_no": 9,
                    "round": 1,
                    "person": "Camat",
                    "decision": "returned",
                    "docs": 1,
                    "doc_names": ["laporan.pdf (v2)"],
                    "note": "Perbaiki",
                    "minutes": 45,
                    "on_time": True,
                    "step_title": "Memeriksa laporan",
                },
                {
                    "at": WHEN,
                    "who": "Ṣāliḥ",
                    "kind": "paraf_given",
                    "step_no": 1,
                    "round": 1,
                    "person": "Ṣāliḥ",
                    "decision": None,
                    "docs": 0,
                    "doc_names": [],
                    "note": "Koordinasikan",
                    "minutes": None,
                    "on_time": None,
                    "step_title": "Disposisi",
                },
            ],
        },
    },
    "mulai_confirm": {"sop_title": "Pengukuran Kinerja", "title": "T", "period": "Triwulan IV"},
    "mulai_choose_sop": {},
    "mulai_choose_period": {"sop_title": "Pengukuran Kinerja"},
    "mulai_cancelled": {},
    "invite_created": {"name": "Rina", "link": "https://t.me/bot?start=abc", "expires": WHEN},
    "invite_usage": {"names": ["Rina"]},
    "group_linked": {"org": "Kecamatan Contoh"},
    "only_private": {},
    "only_group": {},
    "not_registered": {},
    "unexpected_text": {},
    "try_again": {},
    "cannot_process": {},
    "invite_linked_confirm": {"name": "Siti"},
    "identity_moved": {"name": "Siti"},
    "problems": {
        "items": [{"at": WHEN, "to": "Rina", "reason": "bot was blocked", "preview": "Langkah 2"}]
    },
    "refusal": {"code": "document_required", "params": {"step_no": 2, "output": "Draf"}},
    "command_menu": {},
    "reminders": {
        "items": [
            {
                "kind": k,
                "run_title": "R",
                "step_no": 7,
                "step_title": "S",
                "due": WHEN,
                "overdue_minutes": 130,
                "budget_minutes": 240,
                "assignee": "Dewi",
                "to_role": "Sekretaris",
                "warnings": ["Apabila data tidak lengkap, pelaporan terhambat"],
            }
            for k in ("heads_up", "due", "repeat", "escalated_to_you", "you_were_escalated")
        ]
    },
    "digest": {
        "day": WHEN,
        "problems": 2,
        "mine": [
            {
                "run_title": "R",
                "step_no": 7,
                "step_title": "S",
                "due": WHEN,
                "overdue_minutes": 30,
                "assignee": "Dewi",
            },
            {
                "run_title": "R",
                "step_no": 5,
                "step_title": "S",
                "due": None,
                "overdue_minutes": 0,
                "assignee": "Budi",
            },
        ],
        "overdue": [
            {
                "run_title": "R",
                "step_no": 7,
                "step_title": "S",
                "due": WHEN,
                "overdue_minutes": 30,
                "assignee": "Dewi",
            }
        ],
    },
    "digest_switched": {"on": True, "top": True},
}

END = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
MEETING = {"agenda": "Pembahasan", "start": WHEN, "place": "Aula <Kecamatan>"}
SAMPLES.update(
    {
        "meeting_prompt": {"stage": "time", "day": "Senin, 30 November 2026", "minutes": 120},
        "meeting_confirm": {
            "rescheduled": False,
            "start": WHEN,
            "end": END,
            "place": "Aula",
            "agenda": "Pembahasan",
            "invitees": ["Camat", "Siti"],
            "outside_hours": True,
            "holiday": None,
        },
        "meeting_invitation": {
            **MEETING,
            "kind": "rescheduled",
            "number": "005/001/Kec/XI/2026",
            "end": END,
            "organiser": "Bapak Budi",
            "old_start": END,
        },
        "meeting_group": {
            **MEETING,
            "status": "scheduled",
            "end": END,
            "reason": "",
            "answered": 3,
            "total": 5,
            "attending": ["Camat"],
            "not_attending": ["Siti"],
            "delegated": ["Dewi (Joko)"],
            "pending": ["Rina", "Budi"],
        },
        "meeting_cancelled": {**MEETING, "by": "Budi", "reason": "Camat dinas luar"},
        "meeting_rsvp_prompt": {"kind": "reason", "agenda": "Pembahasan"},
        "meeting_rsvp_saved": {**MEETING, "rsvp": "delegated", "text": "Joko"},
        "meeting_rsvp_group": {},
        "meeting_reminder": {**MEETING, "lead": 1440, "pending": True},
        "meeting_start": {**MEETING, "kind": "alarm"},
        "meeting_minutes_prompt": {
            "part": "minutes",
            "present": 4,
            "total": 5,
            "max_mb": 20,
            "name": "notulen.pdf",
            "papers": ["daftar-hadir.pdf", "notulen.docx"],
        },
        "meeting_held": {"present": 4, "total": 5, "step_no": 5},
        "meeting_unreachable": {"agenda": "Pembahasan", "names": ["Rina"]},
        "meeting_group_failed": {"agenda": "Pembahasan", "reason": "bot was kicked"},
        "cover_letter_ready": {
            "step_no": 12,
            "number": "000/007/Kec.Ctn/2026",
            "to": "Bupati Purwakarta c.q. Kepala Bagian Organisasi",
            "signer": "Drs. Ahmad",
            "lampiran": 1,
        },
        "cover_letter": {
            "city": "Purwakarta",
            "number": "000/007/Kec.Ctn/2026",
            "sifat": "Biasa",
            "letter": {
                "kind": "pengantar",
                "to": "Bupati Purwakarta",
                "cq": "Kepala Bagian Organisasi Sekretariat Daerah",
                "di": "Purwakarta",
                "hal": "Penyampaian Dokumen Pengukuran Kinerja",
            },
            "purpose": "Pengukuran Kinerja Triwulan IV 2026",
            "office": "Kecamatan Contoh",
            "lampiran": [{"what": "Dokumen (ditandatangani)", "file": "pk-ttd.pdf"}],
            "issued": WHEN.date(),
            "signature": Signature("p1", "Camat Contoh", "Ṣāliḥ", None, None, "Camat"),
        },
        "meeting_letter": {
            "office": "Kecamatan Contoh",
            "city": "Purwakarta",
            "number": "005/001/Kec/XI/2026",
            "sifat": "Segera",
            "attached": True,
            "recipients": [
                {"name": "Ibu Siti", "jabatan": "Sekretaris Kecamatan"},
                {"name": "Bapak Ṣāliḥ", "jabatan": ""},
            ],
            "purpose": "Pengukuran Kinerja Triwulan IV 2026",
            "start": WHEN,
            "end": END,
            "place": "Aula",
            "agenda": "Pembahasan",
            "issued": WHEN.date(),
            "signature": Signature(
                "p1", "Sekretaris Kecamatan", "Siti", "Pembina (IV/a)", "1975", "Camat Contoh"
            ),
        },
        "meeting_summary": {"agenda": "Pembahasan"},
        "meeting_dialog_cancelled": {},
    }
)
# The archive: the archiving step's files, the 50 MB limit, /arsip, `archive verify`.
PAST_RUN = SimpleNamespace(
    no=2,
    title="Pengukuran Kinerja Triwulan IV 2026",
    sop_title="Pengukuran Kinerja",
    status="completed",
    finished_at=WHEN,
    started_at=WHEN,
)
SAMPLES.update(
    {
        "archive_ready": {
            "title": "Pengukuran Kinerja Triwulan IV 2026",
            "step_no": 14,
            "documents": 23,
            "missing": ["notulen.pdf"],
        },
        "archive_too_big": {
            "title": "Pengukuran Kinerja Triwulan IV 2026",
            "size_mb": 61,
            "limit_mb": 50,
            "run_no": 2,
            "run_id": "abc",
        },
        "archive_shelf": {"chosen": None, "runs": [PAST_RUN], "page": 1, "pages": 2},
        "archive_verify": {
            "file": "arsip.zip",
            "problems": [BundleProblem("changed", "dokumen/07-rina-v2-data.xlsx")],
            "count": 0,
        },
    }
)
# Issue 12: the Camat's summary of the formulir (the fields of application.formulir's
# FormulirSummary) and the errors of a filled collection format.
SUMMARY = {
    "office": "Kecamatan <Cibeunying Kidul>",
    "period": "Triwulan IV 2026",
    "measured": 4,
    "total": 5,
    "average": Decimal("90.2"),
    "threshold": Decimal(100),
    "per_sasaran": [{"code": "S1", "name": "Meningkatnya pelayanan", "average": Decimal("89.23")}],
    "below": [
        {"code": "IKU-3", "name": "Waktu izin", "capaian": Decimal("66.67"), "predikat": "Sedang"}
    ],
    "missing": ["IKU-4", "IKU-5"],
    "no_data": {"IKU-4": "Triwulan I, II"},
    "previous_period": "Triwulan III 2026",
    "changes": [
        {"code": c, "previous": Decimal(80), "current": Decimal(80) + d, "delta": d}
        for c, d in (("IKU-1", Decimal("2.5")), ("IKU-2", Decimal(-3)), ("IKU-4", Decimal(0)))
    ],
}
SAMPLES.update(
    {
        "formulir_summary": SUMMARY,
        "formats_prepared": {
            "step_no": 2,
            "period": "Triwulan IV 2026",
            "sections": ["Dewi Lestari", "Rina Marlina"],
        },
        "realisasi_question": {
            "kind": "realisasi",
            "code": "IKU-02",
            "name": "Persentase pelayanan <PATEN> tepat waktu",
            "unit": "%",
            "target": "95",
            "qualitative": False,
            "cumulative": True,
        },
        "realisasi_saved": {"code": "IKU-02", "value": "95,5", "unit": "%"},
        "realisasi_complete": {
            "lines": [
                {"code": "IKU-01", "value": "85,5", "unit": "indeks", "evidence": True},
                {"code": "IKU-05", "value": "ada", "unit": "", "evidence": False},
            ]
        },
        "evidence_saved": {"code": "IKU-01", "name": "survei-ikm.pdf"},
        "indicator_form_error": {
            "code": "not_number",
            "row": 7,
            "column": "Realisasi",
            "params": {"value": "sembilan puluh"},
        },
    }
)
# SOP import (issue 16): the report with a point of every kind.
SAMPLES["sop_import_report"] = {
    "source": "sop-<kantor>.docx",
    "findings": [
        {
            "step": None,
            "field": "roles",
            "code": "roles_from_header",
            "blocking": False,
            "params": {"roles": ["Camat", "Sekretaris"]},
        },
        {
            "step": 2,
            "field": "actors",
            "code": "actor_guess",
            "blocking": False,
            "params": {"how": "unnamed", "roles": ["Sekretaris"]},
        },
        {"step": 3, "field": "minutes", "code": "missing", "blocking": True, "params": {}},
    ],
    "blocking": True,
    "steps": 3,
    "minutes": 75,
    "out": "",
}

# Installing an SOP document from the chat (/impor_sop).
SOP_ROWS = [
    {
        "no": 1,
        "actors": "Camat",
        "minutes": 15,
        "kind": "disposition",
        "return_to": [],
        "title": "Camat memerintahkan <penyusunan>",
    },
    {
        "no": 2,
        "actors": "Staf Seksi",
        "minutes": 900,
        "kind": "each",
        "return_to": [],
        "title": "Masing-masing seksi mengisi",
    },
    {
        "no": 3,
        "actors": "Sekretaris",
        "minutes": 60,
        "kind": "decision",
        "return_to": [2],
        "title": "Sekretaris memeriksa",
    },
]
SOP_TABLE = {"title": "Rencana Kerja", "name": "rencana-kerja", "rows": SOP_ROWS, "minutes": 975}
SOP_QUESTION = {
    "step": 9,
    "kind": "actor",
    "step_title": "Mengoreksi dokumen",
    "role": "Camat",
    "actor": "Camat",
    "how": "follows",
    "target": "7",
    "participants": "Camat, Sekretaris",
    "number": 2,
    "total": 5,
}
SAMPLES.update(
    {
        "sop_import_prompt": {
            "sops": [
                {"name": "pengukuran-kinerja", "title": "Pengukuran Kinerja", "shipped": True}
            ],
        },
        "sop_draft": {**SOP_TABLE, "source": "sop.docx"},
        "sop_question": SOP_QUESTION,
        "sop_confirm": {**SOP_TABLE, "taken": True, "shipped": True, "again": False},
        "sop_installed": {
            "title": "Rencana Kerja",
            "name": "rencana-kerja",
            "steps": 7,
            "replaced": False,
            "unheld": ["Kasubag", "Staf Seksi"],
        },
        "sop_installed_notice": {
            "title": "Rencana Kerja",
            "name": "rencana-kerja",
            "steps": 7,
            "by": "Drs. Ahmad",
        },
        "sop_import_cancelled": {},
    }
)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "kind", ["actor", "each", "meeting", "invitation", "decision", "disposition"]
)
def test_every_sop_question_asks_its_own_point_and_says_what_to_tap(lang: str, kind: str) -> None:
    text = render("sop_question", lang, **{**SOP_QUESTION, "kind": kind})
    others = {
        k: render("sop_question", lang, **{**SOP_QUESTION, "kind": k})
        for k in ("actor", "each", "meeting", "invitation", "decision", "disposition")
        if k != kind
    }
    assert text not in others.values()
    assert WHAT_TO_DO[lang].search(text) and "9" in text


def test_the_sop_table_puts_each_step_on_two_lines_and_escapes_titles() -> None:
    text = render("sop_draft", "id", **SOP_TABLE, source="sop.docx")
    assert "<b>2</b>. Staf Seksi · 900 mnt · setiap orang\n    <i>Masing-masing seksi" in text
    assert "pemeriksaan (kembali ke 2)" in text and "&lt;penyusunan&gt;" in text
    rows = [{**SOP_ROWS[0], "no": n, "title": "x" * 48} for n in range(1, 41)]
    long = render("sop_confirm", "id", **{**SOP_TABLE, "rows": rows}, taken=1, shipped=1, again=1)
    # A 40-step SOP is longer than one message: the outbox splits it at line breaks, which
    # keeps it valid HTML only while no tag spans a line.
    assert len(long) > 4096
    for line in long.split("\n"):
        for tag in ("b", "i", "code"):
            assert line.count(f"<{tag}>") == line.count(f"</{tag}>"), line


# Issue 14: /dasbor's answer, with a link and on a server without a dashboard.
SAMPLES["dashboard_link"] = {
    "url": "https://kinerja.example.go.id/dasbor/masuk?t=a.1.b",
    "minutes": 10,
}


def test_dashboard_link_without_a_dashboard_says_what_to_use_instead() -> None:
    text = render("dashboard_link", "id", url=None, minutes=10)
    assert "KINERJA_DASHBOARD_URL" in text and "/status" in text


# Running the office (issue 13): reassigning from /status, cancelling a run.
SAMPLES.update(
    {
        "reassign_choose": {
            "kind": "person",
            "run_title": "Surat <Bupati>",
            "step_no": 5,
            "step_title": "Menyiapkan tindak lanjut",
            "holder": "Budi",
            "roles": "Kepala Seksi terkait",
        },
        "reassign_done": {
            "run_title": "R",
            "step_no": 5,
            "step_title": "Menyiapkan tindak lanjut",
            "from_name": "Budi",
            "to_name": "Joko",
            "due": WHEN,
        },
        "cancel_prompt": {"run_title": "R"},
        "cancel_done": {"run_title": "R", "reason": "salah periode", "told": 2},
        "acting_appointed": {
            "to": "holder",
            "role": "Plh. Camat",
            "acting": "Siti",
            "holder": "Ahmad",
            "by": "Ahmad",
            "first": WHEN,
            "last": WHEN + timedelta(days=2),
        },
        "roster": {
            "members": [
                {
                    "name": "Siti <S>",
                    "roles": ["Sekretaris Kecamatan"],
                    "joined": True,
                    "admin": False,
                    "jabatan": "Sekretaris Kecamatan",
                    "nip": "1975",
                    "acting": [{"as": "Plh. Camat", "until": date(2026, 12, 2)}],
                },
                {
                    "name": "Tono",
                    "roles": [],
                    "joined": False,
                    "admin": True,
                    "jabatan": None,
                    "nip": None,
                    "acting": [],
                },
            ],
            "is_admin": True,
            "org": "Kecamatan Contoh",
            "done": "roles",
            "problem": "",
            "name": "Tono",
            "roles": ["Kepala Seksi terkait"],
        },
        "choose_office": {"current": "Kecamatan Contoh"},
        "office_chosen": {"office": "Kecamatan Contoh"},
        "roster_blocked": {
            "name": "Joko",
            "parts": [{"run_title": "Surat Bupati", "step_no": 5, "assignment_id": "a1"}],
        },
        "acting_list": {
            "lines": [
                {
                    "no": 1,
                    "kind": "Plh.",
                    "role": "Camat",
                    "person": "Siti",
                    "holder": "Ahmad",
                    "first_day": date(2026, 11, 30),
                    "last_day": date(2026, 12, 2),
                    "state": "running",
                }
            ],
            "may_appoint": True,
            "problem": "",
            "name": "",
        },
    }
)


def test_every_template_has_a_sample() -> None:
    assert sorted(SAMPLES) == template_names()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_template_renders(name: str, lang: str) -> None:
    text = render(name, lang, **SAMPLES[name])
    assert text.strip()
    assert len(text) <= 4096


def test_values_are_escaped_for_telegram_html() -> None:
    text = render("task_assigned", "id", **TASK)
    assert "&lt;selesaikan&gt;" in text
    assert "Senin, 30 November 2026 pukul 10.00 WIB" in text


def test_missing_value_fails_loudly() -> None:
    with pytest.raises(UndefinedError):
        render("ack_done", "id", step_no=1)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(REFUSAL_CODES))
def test_every_refusal_code_has_its_own_sentence(code: str, lang: str) -> None:
    params = {
        "step_no": 2,
        "output": "Draf",
        "sop": "SOP",
        "role": "Camat",
        "title": "R",
        "name": "Rina",
        "limit": 10,
        "length": 20,
        "days": 366,
        "allowed": "7, 2",
        "period": "Triwulan IV 2026",
        "status": "completed",
        "ref": "3",
    }
    text = render("refusal", lang, code=code, params=params)
    generic = render("refusal", lang, code="no-such-code", params={})
    assert text != generic


@pytest.mark.parametrize(("lang", "words"), [("id", "memberi paraf"), ("en", "initialled")])
def test_the_history_names_a_paraf_with_its_note(lang: str, words: str) -> None:
    text = render("history", lang, **SAMPLES["history"])
    assert f"Ṣāliḥ: {words} " in text and "Koordinasikan" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_paraf_task_shows_the_earlier_paraf_and_where_it_goes(lang: str) -> None:
    text = render("paraf_task", lang, **SAMPLES["paraf_task"])
    assert "Ibu Siti" in text and "Catatan" in text and "001/Disp/Kec.Ctn/2026" in text
    assert "Selesaikan &lt;bulan ini&gt;" in text  # what officials typed is escaped
    last = render("paraf_task", lang, **{**SAMPLES["paraf_task"], "next_paraf": "Sekretaris"})
    assert last != text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_paraf_ack_says_where_the_work_went(lang: str) -> None:
    sample = SAMPLES["ack_paraf"]
    on = render("ack_paraf", lang, **sample)
    assert "Sekretaris Tim SAKIP" in on and "&lt;segera&gt;" in on
    done = render(
        "ack_paraf",
        lang,
        **{**sample, "next_paraf": "", "next_step_no": 2, "next_actor": "Sekretaris Tim SAKIP"},
    )
    assert "2" in done.splitlines()[-1]


def test_labels_exist_in_both_languages() -> None:
    for key in (
        "done",
        "upload",
        "approve",
        "return_",
        "detail",
        "sifat_segera",
        "sifat_rahasia",
        "paraf",
        "paraf_note",
        "instr_tanggapan",
        "doc_disp_title",
    ):
        assert label(key, "id") and label(key, "en")


# --- the words (issue 10) -------------------------------------------------------------------

TUESDAY_9 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09.00 WIB
TUESDAY_11 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_a_step_done_is_diselesaikan_oleh_the_official() -> None:
    ctx = {**SAMPLES["step_ended_notice"], "by": "Ibu Siti Rahmawati"}
    text = render("step_ended_notice", "id", **ctx)
    assert "diselesaikan oleh Ibu Siti Rahmawati" in text
    assert "selesai oleh" not in text
    group = render("group_progress", "id", **{**SAMPLES["group_progress"], "outcome": "done"})
    assert "diselesaikan oleh" in group


@pytest.mark.parametrize("name", ["run_started", "status", "task_assigned", "reminders"])
def test_a_time_limit_is_never_called_a_budget(name: str) -> None:
    assert "anggaran" not in render(name, "id", **SAMPLES[name]).casefold()
    assert "budget" not in render(name, "en", **SAMPLES[name]).casefold()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("id", "Selasa, 1 Desember 2026 pukul 09.00–11.00 WIB"),
        ("en", "Tuesday, 1 December 2026 at 09:00–11:00 WIB"),
    ],
)
@pytest.mark.parametrize("name", ["meeting_invitation", "meeting_confirm", "meeting_group"])
def test_meeting_times_read_as_one_span(name: str, lang: str, expected: str) -> None:
    ctx = {**SAMPLES[name], "start": TUESDAY_9, "end": TUESDAY_11, "old_start": TUESDAY_9}
    text = render(name, lang, **ctx)
    assert expected in text
    assert "2026-12-01" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "name",
    [
        "meeting_invitation",
        "meeting_group",
        "meeting_reminder",
        "meeting_cancelled",
        "meeting_start",
        "meeting_rsvp_saved",
        "meeting_rsvp_prompt",
    ],
)
def test_meeting_texts_name_the_agenda_once(name: str, lang: str) -> None:
    agenda = "Pembahasan pengukuran kinerja Kecamatan"
    ctx = {**SAMPLES[name], "agenda": agenda}
    if name == "meeting_rsvp_saved":
        ctx["rsvp"] = "attending"
    text = render(name, lang, **ctx)
    assert text.count(agenda) == 1
    assert "Rapat: " not in text


@pytest.mark.parametrize(("lang", "word"), [("id", "Keterangan"), ("en", "Note")])
def test_the_task_shows_the_sops_note_for_the_step(lang: str, word: str) -> None:
    text = render("task_assigned", lang, **{**TASK, "note": "Dipimpin oleh Camat"})
    assert f"{word}: Dipimpin oleh Camat" in text


def test_the_escalation_carries_the_sops_warning() -> None:
    text = render("reminders", "id", **SAMPLES["reminders"])
    assert "Peringatan SOP: Apabila data tidak lengkap, pelaporan terhambat." in text


def test_a_meeting_step_task_gives_the_meeting_span() -> None:
    ctx = {**TASK, "is_decision": False, "is_meeting": True, "meeting_start": TUESDAY_9}
    text = render("task_assigned", "id", **ctx)
    assert "Selasa, 1 Desember 2026 pukul 09.00 WIB" in text  # no end known: no span
    ctx["meeting_end"] = TUESDAY_11
    text = render("task_assigned", "id", **ctx)
    assert "Rapat dijadwalkan pada Selasa, 1 Desember 2026 pukul 09.00–11.00 WIB." in text


# --- every refusal the code raises is a sentence that says what to do -----------------------

ROOT = Path(__file__).resolve().parents[2]
RAISING_PACKAGES = ("workflow", "application", "storage", "handlers", "scheduler", "bot")


def _raised_codes(exception: str, code_argument: dict[str, int]) -> set[str]:
    """Literal codes given to `exception(...)` (and to helpers that pass one on to it) in the
    sources; a code that is not a literal fails the test, since it cannot be checked."""
    codes: set[str] = set()
    for package in RAISING_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == exception:
                    index = 0
                elif name in code_argument:
                    index = code_argument[name]
                else:
                    continue
                if len(node.args) <= index:
                    continue
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
                elif name == exception and isinstance(arg, ast.Name):
                    continue  # passed on from a helper's parameter: its callers are checked
                else:
                    raise AssertionError(f"{path}:{node.lineno}: a code that is not a literal")
    return codes


REFUSED = _raised_codes("Refused", {"clean_text": 2})
UPLOAD_REFUSED = _raised_codes("UploadRefused", {})
PARAMS = {
    "step_no": 2,
    "output": "Draf",
    "sop": "SOP",
    "role": "Camat",
    "roles": "Camat",
    "title": "R",
    "name": "Rina",
    "limit": 10,
    "length": 20,
    "days": 366,
    "allowed": "7, 2",
    "period": "Triwulan IV 2026",
    "status": "active",
}
# A sentence that tells the reader what to do: an instruction, a command or a button to use.
WHAT_TO_DO = {
    "id": re.compile(
        r"/\w+|\b(pilih|tulis|ketuk|kirim|lihat|minta|hubungi|periksa|mintalah|tuliskan|"
        r"persingkat|coba|tidak diperlukan)\b",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"/\w+|\b(choose|write|tap|send|see|ask|contact|check|shorten|try|no answer is "
        r"needed)\b",
        re.IGNORECASE,
    ),
}


def test_the_sources_raise_refusals() -> None:
    assert {"role_without_holder", "place_required", "agenda_required"} <= REFUSED
    assert {"photo", "no_prompt", "too_big"} <= UPLOAD_REFUSED


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(REFUSED))
def test_every_refusal_raised_in_the_code_is_a_sentence_that_says_what_to_do(
    code: str, lang: str
) -> None:
    assert code in REFUSAL_CODES
    text = render("refusal", lang, code=code, params=PARAMS)
    assert text != render("refusal", lang, code="no-such-code", params={})
    assert code not in text and "(" + "role=" not in text
    assert WHAT_TO_DO[lang].search(text), text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("reason", sorted(UPLOAD_REFUSED))
def test_every_upload_refusal_is_a_sentence_that_says_what_to_do(reason: str, lang: str) -> None:
    ctx = {"max_mb": 20, "detected": "exe"}
    text = render("upload_refused", lang, reason=reason, **ctx)
    if reason != "failed":  # "failed" is the template's last branch
        assert text != render("upload_refused", lang, reason="failed", **ctx)
    assert WHAT_TO_DO[lang].search(text), text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("due", [WHEN, None])
def test_every_line_of_a_task_stands_on_its_own(lang: str, due: Any) -> None:
    text = render("task_assigned", lang, **{**TASK, "due": due, "is_each": True, "parts": 3})
    lines = text.splitlines()
    deadline = next(line for line in lines if line.startswith(("Batas waktu", "Due")))
    assert "Arahan" not in deadline and "Directions" not in deadline and "(3 " not in deadline
    assert any(line.startswith(("Setiap anggota", "Every member")) for line in lines)


def test_the_realisation_question_names_the_indicator_its_unit_and_target() -> None:
    text = render("realisasi_question", "id", **SAMPLES["realisasi_question"])
    assert "Realisasi <b>Persentase pelayanan &lt;PATEN&gt; tepat waktu</b>" in text
    assert "(IKU-02, satuan %), target 95" in text
    evidence = render(
        "realisasi_question", "id", **{**SAMPLES["realisasi_question"], "kind": "evidence"}
    )
    assert "kirim berkasnya" in evidence


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("measurement", ["prepare_formats", "collect", "compile"])
def test_a_measurement_task_says_how_to_report(lang: str, measurement: str) -> None:
    ctx = {**TASK, "is_decision": False, "measurement": measurement}
    text = render("task_assigned", lang, **ctx)
    assert text != render("task_assigned", lang, **{**ctx, "measurement": ""})


def test_the_formulir_summary_writes_indonesian_numbers_and_the_changes() -> None:
    text = render("formulir_summary", "id", **SUMMARY)
    assert "Rata-rata capaian: <b>90,2 %</b> (4 dari 5 indikator terukur)" in text
    assert "IKU-3 Waktu izin: 66,67 % (Sedang)" in text
    assert "IKU-1: 80 % → 82,5 % (naik 2,5)" in text
    assert "IKU-2: 80 % → 77 % (turun 3)" in text and "(tetap)" in text
    assert "Kecamatan &lt;Cibeunying Kidul&gt;" in text
    calm = render("formulir_summary", "en", **{**SUMMARY, "below": [], "changes": []})
    assert "Every measured indicator reached 100 % or more." in calm
    assert "Compared with" not in calm


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_form_error_code_has_its_own_sentence(lang: str) -> None:
    codes = re.findall(
        r'code == "(\w+)"',
        (Path(__file__).parents[2] / "messages/templates/id/indicator_form_error.j2").read_text(),
    )
    generic = render("indicator_form_error", lang, code="?", row=None, column=None, params={})
    params = {
        k: "x" for k in ("sheet", "found", "expected", "range", "value", "code", "unit", "budget")
    }
    params.update(year="2026", first_row="7")
    for code in codes:
        text = render("indicator_form_error", lang, code=code, row=7, column="G", params=params)
        assert text != generic and text.startswith(("Baris 7, kolom G: ", "Row 7, column G: "))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["part", "person", "nobody"])
def test_the_reassign_choice_says_what_to_tap_or_what_to_do(kind: str, lang: str) -> None:
    text = render("reassign_choose", lang, **{**SAMPLES["reassign_choose"], "kind": kind})
    assert "Surat &lt;Bupati&gt;" in text
    assert WHAT_TO_DO[lang].search(text), text
    if kind == "nobody":
        assert "/plh" in text and "Kepala Seksi terkait" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_task_says_it_was_reassigned_and_for_whom_the_plh_acts(lang: str) -> None:
    ctx = {**TASK, "reassigned_from": "Budi", "acting_as": "Plh. Camat", "acting_for": "Ahmad"}
    text = render("task_assigned", lang, **ctx)
    assert "Budi" in text and "<b>Plh. Camat</b>" in text and "Ahmad" in text
    assert "Plh. Camat" not in render("task_assigned", lang, **TASK)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("to", ["acting", "holder", "appointer"])
def test_an_appointment_names_the_period_and_tells_each_what_follows(to: str, lang: str) -> None:
    text = render("acting_appointed", lang, **{**SAMPLES["acting_appointed"], "to": to})
    assert "<b>Plh. Camat</b>" in text and "2 " in text
    assert WHAT_TO_DO[lang].search(text) or to == "holder", text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("problem", ["dates", "name"])
def test_a_plh_request_not_understood_says_how_to_write_it(problem: str, lang: str) -> None:
    ctx = {**SAMPLES["acting_list"], "problem": problem, "name": "Sito", "lines": []}
    text = render("acting_list", lang, **ctx)
    assert "⚠️" in text and "/plh" in text
    assert ("Sito" in text) == (problem == "name")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_roster_shows_roles_joining_and_acting_posts(lang: str) -> None:
    text = render("roster", lang, **SAMPLES["roster"])
    assert "Siti &lt;S&gt;" in text and "<b>Plh. Camat</b>" in text and "2 " in text
    assert "/anggota tambah" in text
    plain = render("roster", lang, **{**SAMPLES["roster"], "is_admin": False, "done": ""})
    assert "/anggota tambah" not in plain
    usage = render("roster", lang, **{**SAMPLES["roster"], "done": "", "problem": "usage"})
    assert "⚠️" in usage and WHAT_TO_DO[lang].search(usage)
