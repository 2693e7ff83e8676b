"""Refusals: a command that does not apply, with a code the messages layer can translate.

A refusal changes nothing. Its `code` names a template in `messages/` (refusal texts in the
user's language that say what to do instead); `params` are plain values for that template.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A command was refused; nothing was changed."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        super().__init__(f"{code}({detail})" if detail else code)


# The codes, in one place so messages/ can check every one has a text.
REFUSAL_CODES = frozenset(
    {
        "unknown_sop",
        "unknown_org",
        "unknown_person",
        "title_required",
        "not_allowed_to_start",
        "role_without_holder",
        "run_not_found",
        "run_not_active",
        "assignment_not_found",
        "assignment_not_active",
        "not_your_assignment",
        "wrong_org",
        "document_required",
        "letter_unavailable",
        "new_version_required",
        "new_version_unchanged",
        "return_target_not_allowed",
        "document_not_found",
        "decision_step_use_decide",
        "not_a_decision_step",
        "note_required",
        "not_admin",
        "person_not_eligible",
        "same_person",
        "already_assigned",
        "reason_required",
        "not_allowed_to_cancel",
        # running the office: reassigning, acting officials (Plh / Plt)
        "not_allowed_to_reassign",
        "not_allowed_to_appoint",
        "acting_bad_period",
        "acting_holder_without_role",
        "acting_for_self",
        "acting_overlap",
        "acting_not_found",
        "acting_no_holder",
        "acting_many_holders",
        # the roster from Telegram (/anggota)
        "unknown_role",
        "unknown_member",
        "member_name_required",
        "member_exists",
        "member_self",
        "text_too_long",
        # runs per period
        "period_already_run",
        "period_not_measured",
        # the measurement through the steps
        "format_rejected",
        "format_unknown_section",
        "realisasi_incomplete",
        "realisasi_returned_missing",
        "return_pick_expired",
        "return_pick_empty",
        "return_pick_nobody",
        "not_collecting",
        "no_indicators",
        "no_indicators_of_person",
        "realisasi_not_number",
        "realisasi_not_ada_tidak",
        "realisasi_negative",
        "realisasi_over_100",
        "anggaran_over",
        # installing an SOP document from the chat
        "sop_dir_missing",
        "sop_dir_unwritable",
        "sop_unreadable",
        "sop_draft_expired",
        "sop_draft_invalid",
        # meetings
        "meeting_not_found",
        "meeting_closed",
        "not_invited",
        "not_organiser",
        "delegate_required",
        "no_invitees",
        "invitee_not_in_org",
        "meeting_in_past",
        "meeting_end_before_start",
        "meeting_too_far",
        "meeting_needs_confirmation",
        "place_required",
        "agenda_required",
        "when_not_understood",
        # the archive (/arsip)
        "not_archive_reader",
        "archive_run_unknown",
        # the paraf chain
        "not_a_paraf",
        "paraf_not_yours",
    }
)
