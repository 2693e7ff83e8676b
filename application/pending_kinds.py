"""What the bot can be waiting for from a person (the kind of a pending input), and the
return-dialog value for "every holder"; shared by the use cases of runs, the chat reporting
and the partial return, so none of them has to import another for a name."""

from __future__ import annotations

AWAIT_UPLOAD = "upload"
AWAIT_RETURN_NOTE = "return_note"
AWAIT_RETURN_PICK = "return_pick"  # indicators being chosen for a partial return
AWAIT_ARAHAN = "arahan"
HOLD_ARAHAN = "disposition"  # directions written, waiting for the urgency button
AWAIT_PARAF_NOTE = "paraf_note"  # the note that goes with a paraf
AWAIT_TITLE = "title"
AWAIT_REALISASI = "realisasi"  # a realisation typed in the chat (data: the indicator code)
AWAIT_EVIDENCE = "evidence"  # the next file is an indicator's evidence (data: its code)
AWAIT_SOP_DOCUMENT = "sop_document"  # /impor_sop: the next file is an SOP document
HOLD_SOP_DRAFT = "sop_draft"  # an imported SOP being confirmed (data: the draft, questions)

ALL = "all"  # a return to every holder of an `each` step
