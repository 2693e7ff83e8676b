"""The uncertain points of an imported SOP as questions, and what each answer changes.

An administrator importing a document in a chat confirms the proposal point by point: who
does a step when its actor was guessed from the layout rather than named in its text, and
every proposed kind (each, meeting, invitation, decision, disposition). Questions and answers
are plain values (they are kept in the pending input until the draft is installed); an answer
changes the proposed definition mapping in place. An actor read from the step's own wording
("Camat memerintahkan …") is shown in the table, not asked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from workflow.sop_import.propose import Proposal

YES, NO = "yes", "no"
KINDS = ("actor", "each", "meeting", "invitation", "decision", "disposition")
_FINDING_KIND = {
    "each": "each",
    "meeting": "meeting",
    "invitation": "invitation",
    "decision": "decision",
    "disposition": "disposition",
}


class NotAnAnswer(ValueError):
    """The value does not answer the question (a role the draft does not have)."""


@dataclass(frozen=True)
class Question:
    """One uncertain point: the step, what is asked, the proposed value and why."""

    step: int
    kind: str  # one of KINDS
    proposal: str = ""  # actor: the role id; decision: the return target; invitation: meeting
    how: str = ""  # actor: how it was guessed (see the report's wording)

    def plain(self) -> dict[str, Any]:
        """The question as plain values (kept in the pending input)."""
        return asdict(self)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Question:
        """A question from its plain values."""
        return cls(int(data["step"]), str(data["kind"]), str(data["proposal"]), str(data["how"]))


def questions(proposal: Proposal) -> list[Question]:
    """The questions of a proposal, step by step (actor first, then the kind)."""
    out: list[Question] = []
    for finding in proposal.findings:
        if finding.step is None:
            continue
        if finding.code == "actor_guess" and finding.params.get("how") != "named":
            step = _step(proposal.definition, finding.step)
            role = step["actors"][0] if step["actors"] else ""
            out.append(Question(finding.step, "actor", role, str(finding.params["how"])))
        elif finding.code in _FINDING_KIND:
            value = finding.params.get("return_to", finding.params.get("meeting", ""))
            out.append(Question(finding.step, _FINDING_KIND[finding.code], str(value)))
    out.sort(key=lambda q: (q.step, KINDS.index(q.kind)))
    return out


def _step(definition: dict[str, Any], no: int) -> dict[str, Any]:
    """Step `no` of a proposed definition."""
    for step in definition["steps"]:
        if int(step["no"]) == no:
            found: dict[str, Any] = step  # the mapping itself: answers change it in place
            return found
    raise NotAnAnswer(f"no step {no}")


def role_ids(definition: dict[str, Any]) -> list[str]:
    """The role ids of a proposed definition, in column order."""
    return [str(role["id"]) for role in definition["roles"]]


def applies(definition: dict[str, Any], question: Question) -> bool:
    """Whether the question still means something after the earlier answers."""
    step = _step(definition, question.step)
    if question.kind in ("each", "meeting"):
        return step.get("mode") == question.kind
    if question.kind == "invitation":
        if "invites_to" not in step:
            return False
        return _step(definition, int(step["invites_to"])).get("mode") == "meeting"
    if question.kind == "decision":
        return "decision" in step
    if question.kind == "disposition":
        return bool(step.get("disposition"))
    return True


def answer(definition: dict[str, Any], question: Question, value: str) -> None:
    """Apply one answer to the proposed definition (NotAnAnswer for a value it cannot be)."""
    step = _step(definition, question.step)
    if question.kind == "actor":
        if value not in role_ids(definition):
            raise NotAnAnswer(value)
        step["actors"] = [value]
        if step["no"] == definition["steps"][0]["no"]:
            definition["starters"] = [value]  # whoever does the first step starts the SOP
        return
    if value not in (YES, NO):
        raise NotAnAnswer(value)
    if value == YES:
        return
    if question.kind in ("each", "meeting"):
        for key in ("mode", "participants", "agenda"):
            step.pop(key, None)
        if question.kind == "meeting":  # nothing may schedule a meeting that is not one
            for other in definition["steps"]:
                if other.get("invites_to") == step["no"]:
                    other.pop("invites_to")
    elif question.kind == "invitation":
        step.pop("invites_to", None)
    elif question.kind == "decision":
        step.pop("decision", None)
    elif question.kind == "disposition":
        step.pop("disposition", None)
