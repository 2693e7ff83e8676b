"""Plain values the adapters receive from the use cases: what a button means, what the bot
waits for from a person, where an uploaded file was stored. They are defined next to their
tables in `storage/`; adapters take them from here, so `handlers/` never imports `storage`."""

from storage.files import StoredFile
from storage.messaging import ButtonToken, PendingInput

__all__ = ["ButtonToken", "PendingInput", "StoredFile"]
