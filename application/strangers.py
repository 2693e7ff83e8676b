"""How often someone who is not registered is answered in a group chat.

In a private chat a stranger is always told to ask for an invitation. In a group every reply
is seen by the whole office and counts against the group's send limit (20 a minute), so a
stranger typing commands there one after another must not bury the office's own notices: each
stranger is answered there once per `PER_PERSON`, and the group gets at most one such answer
per `PER_GROUP`. The memory is per process (a restart may answer once more), which is enough to
keep a flood out of the group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

PER_PERSON = timedelta(hours=24)
PER_GROUP = timedelta(minutes=1)


@dataclass
class StrangerReplies:
    """The last answer to each stranger in each group, and to each group."""

    per_person: timedelta = PER_PERSON
    per_group: timedelta = PER_GROUP
    _people: dict[tuple[int, int], datetime] = field(default_factory=dict)
    _groups: dict[int, datetime] = field(default_factory=dict)

    def may_answer(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """Whether to answer this stranger in this group now (and remember it when so)."""
        last_person = self._people.get((chat_id, user_id))
        last_group = self._groups.get(chat_id)
        if last_person is not None and now - last_person < self.per_person:
            return False
        if last_group is not None and now - last_group < self.per_group:
            return False
        if len(self._people) > 10_000:  # forget the old ones now and then
            self._people = {k: t for k, t in self._people.items() if now - t < self.per_person}
        if len(self._groups) > 10_000:
            self._groups = {k: t for k, t in self._groups.items() if now - t < self.per_group}
        self._people[(chat_id, user_id)] = now
        self._groups[chat_id] = now
        return True
