"""Every message template renders in both languages with the values the handlers pass."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError

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
}
SAMPLES: dict[str, dict[str, Any]] = {
    "task_assigned": TASK,
    "ack_done": {"step_no": 2, "step_title": "Format", "name": "Budi", "waiting": 2},
    "ack_decision": {"approved": False, "return_to": 8, "return_title": "Serahkan data"},
    "ack_disposition": {"sifat": "Segera", "next_actor": "Sekretaris Tim SAKIP"},
    "upload_prompt": {"step_no": 2, "output": "Draf", "max_mb": 20},
    "upload_saved": {
        "name": "a.pdf",
        "step_no": 2,
        "version": 1,
        "size_kb": 3,
        "can_finish": True,
    },
    "upload_refused": {"reason": "wrong_type", "max_mb": 20, "detected": "exe"},
    "note_prompt": {"kind": "return_note", "return_to": 8, "return_title": "Serahkan"},
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
        "title": "R",
        "truncated": False,
        "entries": [
            {
                "at": WHEN,
                "who": "Camat",
                "kind": "assignment_completed",
                "step_no": 9,
                "round": 1,
                "person": "Camat",
                "decision": "returned",
                "docs": 0,
                "note": "Perbaiki",
                "minutes": 45,
                "on_time": True,
            }
        ],
    },
    "mulai_confirm": {"sop_title": "Pengukuran Kinerja", "title": "T"},
    "mulai_choose_sop": {},
    "mulai_cancelled": {},
    "invite_created": {"name": "Rina", "link": "https://t.me/bot?start=abc", "expires": WHEN},
    "invite_usage": {"names": ["Rina"]},
    "group_linked": {"org": "Kecamatan Contoh"},
    "only_private": {},
    "only_group": {},
    "not_registered": {},
    "unexpected_text": {},
    "try_again": {},
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
MEETING = {"title": "Rapat: Pembahasan", "start": WHEN, "place": "Aula <Kecamatan>"}
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
            "agenda": "Pembahasan",
            "organiser": "Budi",
            "old_start": END,
        },
        "meeting_group": {
            **MEETING,
            "status": "scheduled",
            "agenda": "Pembahasan",
            "reason": "",
            "answered": 3,
            "total": 5,
            "attending": ["Camat"],
            "not_attending": ["Siti"],
            "delegated": ["Dewi (Joko)"],
            "pending": ["Rina", "Budi"],
        },
        "meeting_cancelled": {**MEETING, "by": "Budi", "reason": "Camat dinas luar"},
        "meeting_rsvp_prompt": {"kind": "reason", "title": "Rapat"},
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
        },
        "meeting_held": {"present": 4, "total": 5, "step_no": 5},
        "meeting_unreachable": {"title": "Rapat", "names": ["Rina"]},
        "meeting_group_failed": {"title": "Rapat", "reason": "bot was kicked"},
        "meeting_letter": {
            "org": "Kecamatan Contoh",
            "number": "005/001/Kec/XI/2026",
            "recipients": ["Drs. Ahmad (Camat)", "Siti (Sekretaris Kecamatan)"],
            "purpose": "Pengukuran Kinerja Triwulan IV 2026",
            "start": WHEN,
            "end": END,
            "place": "Aula",
            "agenda": "Pembahasan",
            "issued": WHEN,
            "signer_role": "Sekretaris Tim SAKIP",
            "signer": "Budi",
        },
        "meeting_summary": {"agenda": "Pembahasan"},
        "meeting_dialog_cancelled": {},
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
    }
    text = render("refusal", lang, code=code, params=params)
    generic = render("refusal", lang, code="no-such-code", params={})
    assert text != generic


def test_labels_exist_in_both_languages() -> None:
    for key in ("done", "upload", "approve", "return_", "detail", "sifat_segera"):
        assert label(key, "id") and label(key, "en")
