"""The content-addressed store for uploaded documents: bytes on disk, named by their SHA-256.

A file lives at `root/ab/cd/<sha256>` (the first two byte pairs of the hash as folders, so no
folder grows huge). Writing is atomic: the bytes go to a temporary file in the target folder,
are flushed to disk, and the temporary file is renamed over the final name (and the folder
entry flushed), so a reader sees either no file or the whole file, never a part of one.
Identical content is stored once. Blocking file work runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class StoredFile:
    """Where stored bytes are, and what they are."""

    sha256: str
    path: Path
    size: int

    @property
    def key(self) -> str:
        """The path relative to the store's root (what `Document.storage_path` keeps)."""
        return f"{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class FileStore:
    """Uploaded files under one root folder, addressed by SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """The final path of the content with this hash (checked to be a real SHA-256 hex)."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> StoredFile:
        """Store bytes (once per content) and say where they are."""
        return await asyncio.to_thread(self._put, data)

    async def read(self, sha256: str) -> bytes:
        """The stored bytes; FileNotFoundError if absent."""
        return await asyncio.to_thread(self.path_of(sha256).read_bytes)

    async def open(self, sha256: str) -> BinaryIO:
        """An open binary file for streaming the content; the caller closes it."""
        path = self.path_of(sha256)
        return await asyncio.to_thread(path.open, "rb")

    async def exists(self, sha256: str) -> bool:
        """True when content with this hash is stored."""
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    def _put(self, data: bytes) -> StoredFile:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_of(sha256)
        stored = StoredFile(sha256=sha256, path=path, size=len(data))
        try:
            if path.stat().st_size == len(data):
                return stored  # already there (renames are atomic, so it is complete)
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file readable by the bot's user only: these are office papers.
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return stored


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
