"""The uncertain points of an imported SOP as questions, and what each answer changes in the
proposed definition (the chat path of `/impor_sop`)."""

from __future__ import annotations

import copy

import pytest

from application.sop_readers import read_document
from tests.unit import sop_documents
from workflow.sop_import import propose
from workflow.sop_import.propose import Proposal
from workflow.sop_import.questions import (
    NO,
    YES,
    NotAnAnswer,
    Question,
    answer,
    applies,
    questions,
)


def _proposal(kind: str = "xlsx") -> Proposal:
    """The test SOP read from one of its shapes."""
    data = sop_documents.xlsx_bytes() if kind == "xlsx" else sop_documents.docx_bytes()
    return propose(read_document(data, f"rkt.{kind}"))


def _q(found: list[Question], step: int, kind: str) -> Question:
    return next(q for q in found if q.step == step and q.kind == kind)


def test_guessed_actors_and_every_proposed_kind_are_asked_step_by_step() -> None:
    found = questions(_proposal("xlsx"))
    assert [(q.step, q.kind) for q in found] == [
        (1, "disposition"),
        (3, "actor"),
        (3, "invitation"),
        (4, "actor"),
        (4, "meeting"),
        (5, "actor"),
        (5, "each"),
        (6, "decision"),
    ]
    assert _q(found, 5, "actor") == Question(5, "actor", "staf_seksi", "each_unit")
    assert _q(found, 6, "decision").proposal == "5"
    assert all(Question.of(q.plain()) == q for q in found)  # kept as plain values


def test_actors_from_the_flowchart_or_the_wording_are_not_asked() -> None:
    found = questions(_proposal("docx"))  # the DOCX still has its flowchart marks
    assert "actor" not in {q.kind for q in found}


def test_no_meeting_drops_the_invitation_to_it_and_its_question() -> None:
    proposal = _proposal()
    definition = copy.deepcopy(proposal.definition)
    found = questions(proposal)
    assert applies(definition, _q(found, 3, "invitation"))
    answer(definition, _q(found, 4, "meeting"), NO)
    step3, step4 = definition["steps"][2], definition["steps"][3]
    assert "mode" not in step4 and "participants" not in step4 and "agenda" not in step4
    assert "invites_to" not in step3
    assert not applies(definition, _q(found, 3, "invitation"))
    assert not applies(definition, _q(found, 4, "meeting"))


def test_no_to_a_kind_makes_a_plain_step_and_yes_keeps_the_proposal() -> None:
    proposal = _proposal()
    definition = copy.deepcopy(proposal.definition)
    found = questions(proposal)
    for kind, step, key in (("decision", 6, "decision"), ("disposition", 1, "disposition")):
        answer(definition, _q(found, step, kind), YES)
        assert key in definition["steps"][step - 1]
        answer(definition, _q(found, step, kind), NO)
        assert key not in definition["steps"][step - 1]
    answer(definition, _q(found, 5, "each"), NO)
    assert "mode" not in definition["steps"][4]


def test_an_actor_answer_names_the_role_and_the_first_step_names_the_starter() -> None:
    proposal = _proposal()
    definition = copy.deepcopy(proposal.definition)
    answer(definition, Question(3, "actor", "kasubag"), "sekretaris")
    assert definition["steps"][2]["actors"] == ["sekretaris"]
    answer(definition, Question(1, "actor", "camat"), "sekretaris")
    assert definition["starters"] == ["sekretaris"]
    with pytest.raises(NotAnAnswer):
        answer(definition, Question(3, "actor", "kasubag"), "bupati")
    with pytest.raises(NotAnAnswer):
        answer(definition, Question(6, "decision", "5"), "maybe")
    with pytest.raises(NotAnAnswer):
        answer(definition, Question(99, "decision", "5"), YES)
