"""`kinerja-bot runs export RUN --out DIR` and `kinerja-bot archive verify ZIP` on a SQLite
file: a run started from the console is exported (it stands at step 1), the bundle verifies,
a tampered copy fails naming the file, in Indonesian or English."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.cli import main
from bot.demo import sample_org_text

BASE = "pengukuran-kinerja-triwulan-iv-2026"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    org = tmp_path / "org.yaml"
    org.write_text(sample_org_text(), encoding="utf-8")
    return tmp_path


def test_export_writes_a_dossier_and_a_bundle_that_verifies_and_tampering_is_named(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    args = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(args) == 0
    out = data_dir / "arsip"
    capsys.readouterr()
    assert main(["runs", "export", "1", "--out", str(out)]) == 0
    assert f"berkas-{BASE}.pdf" in capsys.readouterr().out
    text = " ".join(p.extract_text() for p in PdfReader(out / f"berkas-{BASE}.pdf").pages)
    assert "BERKAS PROSES SOP" in text and "sedang berjalan" in text
    bundle = out / f"arsip-{BASE}.zip"
    assert main(["archive", "verify", str(bundle)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: arsip-{BASE}.zip utuh")

    tampered = data_dir / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, b'{"forged": true}\n' if info.filename == "events.jsonl" else data)
    assert main(["archive", "verify", str(tampered)]) == 1
    said = capsys.readouterr().out
    assert "events.jsonl: isinya berubah" in said
    assert main(["archive", "verify", "--lang", "en", str(tampered)]) == 1
    assert "events.jsonl: its content changed" in capsys.readouterr().out

    assert main(["runs", "export", "7", "--out", str(out)]) == 1
    assert "no run '7'" in capsys.readouterr().err
    with zipfile.ZipFile(io.BytesIO(bundle.read_bytes())) as archive:
        assert "SHA256SUMS" in archive.namelist()
