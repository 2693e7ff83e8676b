"""The content-addressed file store: atomic writes, one copy per content, safe names."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from storage import files as files_module
from storage.files import TEMP_PREFIX, FileStore


def stored_paths(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_put_stores_bytes_under_their_sha256(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    data = b"%PDF-1.7 pengukuran kinerja"
    digest = hashlib.sha256(data).hexdigest()
    stored = await store.put(data)
    assert (stored.sha256, stored.size) == (digest, len(data))
    assert stored.path == tmp_path / digest[:2] / digest[2:4] / digest
    assert stored.key == f"{digest[:2]}/{digest[2:4]}/{digest}"
    assert await store.exists(digest)
    assert await store.read(digest) == data
    handle = await store.open(digest)
    with handle:
        assert handle.read() == data


async def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    results = await asyncio.gather(*(store.put(b"sama") for _ in range(5)))
    assert len({r.path for r in results}) == 1
    assert stored_paths(tmp_path) == [results[0].path]
    await store.put(b"beda")
    assert len(stored_paths(tmp_path)) == 2


async def test_a_failed_write_leaves_no_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)

    def disk_failure(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files_module.os, "fsync", disk_failure)
    data = b"setengah"
    with pytest.raises(OSError, match="Input/output"):
        await store.put(data)
    assert not await store.exists(hashlib.sha256(data).hexdigest())
    assert stored_paths(tmp_path) == []


async def test_a_truncated_file_is_replaced_by_the_whole_content(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    data = b"isi lengkap dokumen"
    stored = await store.put(data)
    stored.path.write_bytes(data[:4])  # damaged outside the store's control
    again = await store.put(data)
    assert again == stored
    assert await store.read(stored.sha256) == data
    assert not any(p.name.startswith(TEMP_PREFIX) for p in stored_paths(tmp_path))


async def test_the_final_name_appears_only_by_an_atomic_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)
    data = b"atomik"
    final = store.path_of(hashlib.sha256(data).hexdigest())
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def watching_replace(src: str, dst: str) -> None:
        assert not final.exists()  # nothing visible under the final name before the rename
        assert Path(src).read_bytes() == data  # the temporary is complete when renamed
        renames.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(files_module.os, "replace", watching_replace)
    await store.put(data)
    ((src, dst),) = renames
    assert Path(src).parent == final.parent and Path(src).name.startswith(TEMP_PREFIX)
    assert Path(dst) == final


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "AB" * 32, "a" * 63, "g" * 64])
async def test_only_sha256_hex_names_are_accepted(tmp_path: Path, bad: str) -> None:
    store = FileStore(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        await store.exists(bad)


async def test_reading_missing_content_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await FileStore(tmp_path).read("0" * 64)
