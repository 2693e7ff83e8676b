"""The archive bundle of a run (a ZIP) and its check.

Inside:

    berkas.pdf                          the dossier
    dokumen/07-rina-v2-data-kinerja.xlsx every document of the run, every version, under a
                                        readable name: step, uploader's first name, version,
                                        the file name made plain
    events.jsonl                        the audit trail, one event a line
    manifest.json                       the run, and each document: its name in the bundle,
                                        original name, step, version, uploader, time, SHA-256
    SHA256SUMS                          `sha256sum -c` lines for every other file

`verify_bundle` reads a bundle (bytes or a path) and returns the problems found — a file
changed, missing or added, a document whose bytes differ from the SHA-256 the run recorded —
each naming the file; an empty list means the bundle is whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from application.dossier.record import DocumentLine, Dossier

DOSSIER_NAME = "berkas.pdf"
EVENTS_NAME = "events.jsonl"
MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"
DOCUMENTS_DIR = "dokumen/"
ZIP_MIME = "application/zip"
# Courtesy titles that are not a first name ("Drs. Ahmad Suryana" is "ahmad").
_TITLES = {"drs", "dra", "dr", "ir", "h", "hj", "prof", "bapak", "ibu", "mr", "mrs", "ms"}


def slug(text: str, fallback: str = "dokumen") -> str:
    """A file-name part: lower case ASCII letters and digits joined by "-"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or fallback


def first_name(name: str) -> str:
    """The uploader's first name for a file name, past titles such as "Drs."."""
    for word in re.split(r"[\s,]+", name):
        bare = word.strip(".").lower()
        if bare and bare not in _TITLES and not word.endswith("."):
            return slug(word, "anon")
    return slug(name, "anon")


def bundle_names(documents: list[DocumentLine]) -> dict[str, str]:
    """Each document's path in the bundle (by document id): `dokumen/NN-name-vK-slug.ext`,
    made unique with "-2", "-3" when two would be the same."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for doc in documents:
        stem, dot, ext = doc.name.rpartition(".")
        if not dot:
            stem, ext = doc.name, "bin"
        base = f"{doc.step_no:02d}-{first_name(doc.uploader)}-v{doc.version}-{slug(stem)}"
        ext = slug(ext, "bin")
        candidate, n = f"{DOCUMENTS_DIR}{base}.{ext}", 1
        while candidate in taken:
            n += 1
            candidate = f"{DOCUMENTS_DIR}{base}-{n}.{ext}"
        taken.add(candidate)
        names[doc.id] = candidate
    return names


def _events_jsonl(d: Dossier) -> bytes:
    lines = []
    for e in d.events:
        entry: dict[str, Any] = {
            "seq": e.seq,
            "kind": str(e.kind),
            "at": e.at.isoformat(),
            "actor_id": e.actor_id,
            "actor": d.people.get(e.actor_id or ""),
            "step_no": e.step_no,
            "step_instance_id": e.step_instance_id,
            "assignment_id": e.assignment_id,
            "person_id": e.person_id,
            "person": d.people.get(e.person_id or ""),
            "note": e.note,
            "document_ids": list(e.document_ids),
            "data": e.data,
        }
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _manifest(d: Dossier, names: Mapping[str, str], missing: set[str]) -> bytes:
    manifest = {
        "run_id": d.run_id,
        "title": d.title,
        "sop": d.spec.name,
        "sop_version": d.sop_version,
        "period": d.period,
        "status": d.status,
        "organisation": d.org.name,
        "made_at": d.made_at.isoformat(),
        "dossier": DOSSIER_NAME,
        "events": EVENTS_NAME,
        "documents": [
            {
                "file": names[doc.id],
                "name": doc.name,
                "step_no": doc.step_no,
                "version": doc.version,
                "uploader": doc.uploader,
                "uploaded_at": doc.uploaded_at.isoformat(),
                "size": doc.size,
                "sha256": doc.sha256,
                "mime_type": doc.mime_type,
                "missing": doc.id in missing,
            }
            for doc in d.documents
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")


def bundle_zip(d: Dossier, dossier_pdf: bytes, contents: Mapping[str, bytes]) -> bytes:
    """The ZIP of a run: the dossier, every document whose bytes are in `contents` (by
    SHA-256; one absent is marked `missing` in the manifest), the events, the manifest and
    the SHA256SUMS of them all."""
    names = bundle_names(d.documents)
    missing = {doc.id for doc in d.documents if doc.sha256 not in contents}
    files: list[tuple[str, bytes]] = [(DOSSIER_NAME, dossier_pdf)]
    files += [
        (names[doc.id], contents[doc.sha256]) for doc in d.documents if doc.id not in missing
    ]
    files += [(EVENTS_NAME, _events_jsonl(d)), (MANIFEST_NAME, _manifest(d, names, missing))]
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files)
    out = io.BytesIO()
    stamp = d.made_at.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*files, (SUMS_NAME, sums.encode("ascii"))]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


@dataclass(frozen=True)
class BundleProblem:
    """What is wrong with one file of a bundle (`code` names the problem's text)."""

    code: str  # not_a_zip, no_sums, bad_sums_line, missing, changed, unlisted, doc_changed
    file: str


def _read(source: bytes | Path) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def verify_bundle(source: bytes | Path) -> list[BundleProblem]:
    """The problems of a bundle; an empty list when every file is whole and accounted for."""
    data = _read(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [BundleProblem("not_a_zip", str(source) if isinstance(source, Path) else "")]
    with archive:
        present = {i.filename for i in archive.infolist() if not i.is_dir()}
        if SUMS_NAME not in present:
            return [BundleProblem("no_sums", SUMS_NAME)]
        problems: list[BundleProblem] = []
        listed: dict[str, str] = {}
        for line in archive.read(SUMS_NAME).decode("utf-8", "replace").splitlines():
            found = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line.strip())
            if found is None:
                if line.strip():
                    problems.append(BundleProblem("bad_sums_line", line.strip()[:80]))
                continue
            listed[found.group(2)] = found.group(1)
        for name, digest in listed.items():
            if name not in present:
                problems.append(BundleProblem("missing", name))
                continue
            try:
                content = archive.read(name)
            except (zipfile.BadZipFile, OSError):  # a damaged entry (its CRC fails)
                problems.append(BundleProblem("changed", name))
                continue
            if hashlib.sha256(content).hexdigest() != digest:
                problems.append(BundleProblem("changed", name))
        for name in sorted(present - set(listed) - {SUMS_NAME}):
            problems.append(BundleProblem("unlisted", name))
        if MANIFEST_NAME in listed and MANIFEST_NAME in present:
            problems += _check_documents(archive, present)
    return problems


def _check_documents(archive: zipfile.ZipFile, present: set[str]) -> list[BundleProblem]:
    """Each document's bytes against the SHA-256 the run recorded when it was uploaded."""
    try:
        manifest = json.loads(archive.read(MANIFEST_NAME))
        entries = list(manifest.get("documents", []))
    except (ValueError, AttributeError, zipfile.BadZipFile):
        return [BundleProblem("changed", MANIFEST_NAME)]
    problems = []
    for entry in entries:
        name = str(entry.get("file", ""))
        if entry.get("missing") or name not in present:
            continue
        try:
            content = archive.read(name)
        except (zipfile.BadZipFile, OSError):
            continue  # reported as changed above
        if hashlib.sha256(content).hexdigest() != entry.get("sha256"):
            problems.append(BundleProblem("doc_changed", name))
    return problems


def missing_documents(source: bytes | Path) -> list[str]:
    """The original names of the documents a bundle lacks (their bytes were not stored)."""
    with zipfile.ZipFile(io.BytesIO(_read(source))) as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
    return [str(e["name"]) for e in manifest.get("documents", []) if e.get("missing")]


def listed_files(source: bytes | Path) -> list[str]:
    """The files a whole bundle's SHA256SUMS lists."""
    with zipfile.ZipFile(io.BytesIO(_read(source))) as archive:
        lines = archive.read(SUMS_NAME).decode("utf-8", "replace").splitlines()
    return [line.split("  ", 1)[1] for line in lines if "  " in line]
