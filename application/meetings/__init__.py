"""The meeting use cases: scheduling a meeting (the draft dialog), sending the invitations,
answering them, cancelling, holding the meeting, and the alarms the meeting sweep fires.

- `access`: the permission checks and step lookups (organiser only, an open assignment of
  this person, which step is the meeting and which one invites to it), one place each;
- `outbox`: buttons (opaque tokens) and texts to one person, as plain rows;
- `scheduling`: the draft dialog (calendar, day and time, place, agenda, invitees, confirm);
- `invitations`: the letter and .ics, the group post and summary, the private invitations;
- `cancelling`, `rsvp`, `holding`: cancel a meeting, answer an invitation, hold the meeting;
- `alarms`: what the meeting sweep does for each due alarm, group edit or delivery problem.
"""
