"""The measurement through the steps (issue 12), on an SOP of its own whose steps carry the
`measurement` attribute: the formats made per section when the preparing step opens, each
member receiving only his own, the realisations reported by a filled format or in the chat,
the completion refused while something is missing, the formulir compiled as the last member
hands over, and the reviewer's summary with the chart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from application import realisation_chat, runs
from application.indicator_forms import COL, FIRST_ROW, META_SHEET, SHEET, collection_format
from application.pending_kinds import AWAIT_EVIDENCE, AWAIT_REALISASI
from application.uploads import attach_upload, store_upload
from storage.messaging_tables import OutboxRow
from tests.application.offices import Office, documents_queued_to, open_office
from tests.unit.indicator_samples import KASI_PELAYANAN, fill, indicator_set
from workflow.errors import Refused
from workflow.indicators import IndicatorSet, Period, Realisation
from workflow.model import Document

MEASURE = """\
name: uji-ukur
title: Pengukuran Uji
measures: period
roles:
  - {id: kepala, name: Kepala Kantor, name_en: Head of office}
  - {id: sekretaris, name: Sekretaris Tim, name_en: Team secretary, supervisor: kepala}
  - {id: anggota, name: Anggota Tim, name_en: Team member, supervisor: kepala}
starters: [kepala]
steps:
  - {no: 1, title: Buat format, actors: [sekretaris], minutes: 30, output: Format,
     requires_document: true, measurement: prepare_formats}
  - {no: 2, title: Sampaikan format, actors: [sekretaris], minutes: 15, output: Format,
     delivers: {documents_of: [1], to: [anggota]}}
  - {no: 3, title: Isi data, actors: [anggota], mode: each, minutes: 60, output: Data,
     requires_document: true, input_documents_from: [1], measurement: collect}
  - {no: 4, title: Serahkan data, actors: [anggota], mode: each, minutes: 15, output: Data,
     measurement: compile, delivers: {documents_of: [3, 4], to: [sekretaris]}}
  - {no: 5, title: Periksa data, actors: [kepala], minutes: 30, output: Data disetujui,
     input_documents_from: [3, 4], decision: {return_to: [3], note_required: true},
     measurement: review}
"""
ORG = """\
organisation: Kantor Ukur
people:
  - {name: Putri, roles: [kepala], nip: "197001011990031001", telegram_id: 5001}
  - {name: Budi, roles: [sekretaris], telegram_id: 5002}
  - {name: Rina, roles: [anggota], telegram_id: 5003}
  - {name: Dewi, roles: [anggota], telegram_id: 5004}
"""
PERIOD = "Triwulan IV 2026"


def _indicators(org_id: str) -> IndicatorSet:
    """The sample IKU; Rina answers for the service ones, Dewi for the village ones."""
    base = indicator_set(org_id)
    return dataclasses.replace(
        base,
        indicators=tuple(
            dataclasses.replace(
                i, responsible="Rina" if i.responsible == KASI_PELAYANAN else "Dewi"
            )
            for i in base.indicators
        ),
    )


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The office with a run for Triwulan IV 2026 at step 1 (the formats are made)."""
    async with open_office(
        tmp_path, MEASURE, ORG, "uji-ukur", "Putri", period=PERIOD, indicators=_indicators
    ) as office:
        yield office


async def _texts_to(office: Office, name: str) -> list[str]:
    return [text for to, text in await office.outbox() if to == name]


async def _docs_to(office: Office, name: str) -> list[Document]:
    return await documents_queued_to(office.ctx.uow_factory, office.people[name])


async def _bytes(office: Office, doc: Document) -> bytes:
    return await office.ctx.files.read(doc.sha256)


def _marker(data: bytes) -> dict[str, str]:
    wb = load_workbook(BytesIO(data))
    return {str(r[0]): str(r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)}


def _codes(data: bytes) -> list[str]:
    ws = load_workbook(BytesIO(data))[SHEET]
    return [
        str(ws[f"{COL['code']}{row}"].value)
        for row in range(FIRST_ROW, ws.max_row + 1)
        if ws[f"{COL['code']}{row}"].value
    ]


async def _done(office: Office, name: str) -> None:
    office.clock.advance(5)
    await runs.complete(office.ctx, office.people[name], await office.assignment_of(name))


async def _send_file(office: Office, name: str, file_name: str, data: bytes) -> None:
    person = office.people[name]
    stored = await store_upload(office.ctx, data, file_name)
    await attach_upload(office.ctx, person, await office.assignment_of(name), stored, "tg-x")


async def _realised(office: Office) -> dict[str, Realisation]:
    async with office.ctx.uow_factory() as uow:
        run = (await uow.runs.list_active(office.people["Budi"].org_id))[0]
        return {r.indicator_code: r for r in await uow.indicators.realisations(run.id)}


async def _formats_handed_over(office: Office) -> None:
    await _done(office, "Budi")  # the formats made by the bot are used as they are
    await _done(office, "Budi")  # and handed to the members


async def _say(office: Office, name: str, typed: str) -> str:
    """The person types an answer to the pending question; the bot's replies."""
    person = office.people[name]
    pending = await runs.pending_input(office.ctx, person.id)
    assert pending is not None and pending.kind == AWAIT_REALISASI
    code = str(pending.data["code"])
    await realisation_chat.answer(office.ctx, person, pending.assignment_id or "", code, typed)
    return "\n".join(await _texts_to(office, name))


async def _evidence(office: Office, name: str, file_name: str) -> None:
    person = office.people[name]
    pending = await runs.pending_input(office.ctx, person.id)
    assert pending is not None and pending.kind == AWAIT_EVIDENCE
    stored = await store_upload(office.ctx, b"%PDF-1.4\nbukti\n%%EOF\n", file_name)
    await realisation_chat.attach_evidence(
        office.ctx,
        person,
        pending.assignment_id or "",
        str(pending.data["code"]),
        stored,
        f"tg-{file_name}",
    )


async def _rina_uploads_good_format(office: Office) -> None:
    own = (await _docs_to(office, "Rina"))[0]
    filled = fill(
        await _bytes(office, own),
        {
            "IKU-1": (82.4, "Survei 400 responden", None),
            "IKU-2": ("95,5", None, "rekap-layanan-tw4.pdf"),
            "IKU-3": ("3", None, None),
        },
    )
    await _send_file(office, "Rina", "format-rina-terisi.xlsx", filled)


async def _dewi_answers_in_the_chat(office: Office) -> None:
    dewi = office.people["Dewi"]
    await realisation_chat.start_chat(office.ctx, dewi, await office.assignment_of("Dewi"))
    await _say(office, "Dewi", "ada")  # IKU-4, qualitative, evidence required
    await _evidence(office, "Dewi", "lkjip-2026.pdf")
    await _say(office, "Dewi", "4")  # IKU-5


# --- step 1: the formats ------------------------------------------------------------------


async def test_the_preparing_step_makes_one_format_per_section(office: Office) -> None:
    budi = await _docs_to(office, "Budi")
    assert [d.name for d in budi] == [
        "format-rina-tw4-2026.xlsx",
        "format-dewi-tw4-2026.xlsx",
    ]
    rina, dewi = [await _bytes(office, d) for d in budi]
    assert _marker(rina)["section"] == "Rina" and _marker(rina)["period"] == "tw4"
    assert _codes(rina) == ["IKU-1", "IKU-2", "IKU-3"]
    assert _codes(dewi) == ["IKU-4", "IKU-5"]
    texts = "\n".join(await _texts_to(office, "Budi"))
    assert "Format pengumpulan data Triwulan IV 2026 sudah dibuat untuk 2 seksi" in texts


async def test_each_member_receives_only_his_own_format(office: Office) -> None:
    await _formats_handed_over(office)
    assert [d.name for d in await _docs_to(office, "Rina")] == ["format-rina-tw4-2026.xlsx"]
    assert [d.name for d in await _docs_to(office, "Dewi")] == ["format-dewi-tw4-2026.xlsx"]


async def test_an_adjusted_format_is_read_back_before_it_replaces_the_bots(
    office: Office,
) -> None:
    made = await _docs_to(office, "Budi")
    other_year = dataclasses.replace(_indicators("x"), org_id="other-office")
    wrong = collection_format(other_year, Period(2026, 3), "Rina", other_year.indicators[:3])
    with pytest.raises(Refused) as refused:
        await _send_file(office, "Budi", "format-lama.xlsx", wrong)
    assert refused.value.code == "format_rejected"
    assert "Triwulan III 2026, bukan Triwulan IV 2026" in refused.value.params["errors"]

    adjusted = fill(await _bytes(office, made[0]), {"IKU-1": (None, "Catatan Kasubag", None)})
    await _send_file(office, "Budi", "format-rina-disesuaikan.xlsx", adjusted)
    await _formats_handed_over(office)
    assert [d.name for d in await _docs_to(office, "Rina")] == ["format-rina-disesuaikan.xlsx"]


# --- steps 3: reporting -------------------------------------------------------------------


async def test_a_bad_filled_format_is_refused_with_row_and_column_and_nothing_recorded(
    office: Office,
) -> None:
    await _formats_handed_over(office)
    own = (await _docs_to(office, "Rina"))[0]
    bad = fill(
        await _bytes(office, own),
        {"IKU-1": ("sembilan puluh",), "IKU-2": ("101", None, "rekap.pdf"), "IKU-3": ("3",)},
    )
    with pytest.raises(Refused) as refused:
        await _send_file(office, "Rina", "format-rina.xlsx", bad)
    assert refused.value.code == "format_rejected"
    errors = refused.value.params["errors"]
    assert "Baris 7, kolom Realisasi: 'sembilan puluh' bukan angka" in errors
    assert "Baris 8, kolom Realisasi: 101 % tidak mungkin" in errors
    assert await _realised(office) == {}


async def test_a_good_filled_format_records_the_realisations(office: Office) -> None:
    await _formats_handed_over(office)
    await _rina_uploads_good_format(office)
    realised = await _realised(office)
    assert {c: r.value for c, r in realised.items()} == {
        "IKU-1": Decimal("82.4"),
        "IKU-2": Decimal("95.5"),
        "IKU-3": Decimal(3),
    }
    assert realised["IKU-2"].evidence_document_ids  # the file names its evidence
    assert realised["IKU-1"].note == "Survei 400 responden"
    assert "3 realisasi indikator tercatat" in "\n".join(await _texts_to(office, "Rina"))


async def test_chat_answers_are_read_as_an_indonesian_office_writes_them(
    office: Office,
) -> None:
    await _formats_handed_over(office)
    rina = office.people["Rina"]
    await office.outbox()
    await realisation_chat.start_chat(office.ctx, rina, await office.assignment_of("Rina"))
    asked = "\n".join(await _texts_to(office, "Rina"))
    assert "Realisasi <b>Indeks Kepuasan Masyarakat (IKM) terhadap layanan kecamatan</b>" in asked
    assert "(IKU-1, satuan indeks), target 82" in asked

    with pytest.raises(Refused) as refused:
        await _say(office, "Rina", "sembilan puluh")
    assert refused.value.code == "realisasi_not_number"
    assert await _realised(office) == {}  # nothing recorded, the question still stands

    replies = await _say(office, "Rina", "82,4")
    assert "Realisasi IKU-1 tercatat: <b>82,4 indeks</b>" in replies
    assert "(IKU-2, satuan %), target 95" in replies
    with pytest.raises(Refused) as refused:
        await _say(office, "Rina", "101")
    assert refused.value.code == "realisasi_over_100"
    replies = await _say(office, "Rina", "95,5 %")
    assert "Realisasi IKU-2 tercatat: <b>95,5 %</b>" in replies
    assert "Bukti dukung <b>IKU-2</b>" in replies  # required: asked before the next value
    assert {c: r.value for c, r in (await _realised(office)).items()} == {
        "IKU-1": Decimal("82.4"),
        "IKU-2": Decimal("95.5"),
    }


async def test_the_evidence_button_makes_the_next_file_the_evidence(office: Office) -> None:
    await _formats_handed_over(office)
    dewi = office.people["Dewi"]
    await realisation_chat.start_chat(office.ctx, dewi, await office.assignment_of("Dewi"))
    assert "kirim berkasnya sekarang" in await _say(office, "Dewi", "ada")
    await _evidence(office, "Dewi", "lkjip-2026.pdf")
    replies = await _say(office, "Dewi", "1.234")
    assert "Realisasi IKU-5 tercatat: <b>1.234 desa</b>" in replies
    assert "Semua realisasi indikator Anda sudah tercatat" in replies
    realised = await _realised(office)
    assert realised["IKU-4"].value == 1 and len(realised["IKU-4"].evidence_document_ids) == 1
    assert realised["IKU-5"].value == Decimal(1234)


async def test_completion_is_refused_while_a_value_or_evidence_is_missing(
    office: Office,
) -> None:
    await _formats_handed_over(office)
    with pytest.raises(Refused) as refused:
        await _done(office, "Dewi")
    assert refused.value.code == "realisasi_incomplete"
    assert refused.value.params == {"values": "IKU-4, IKU-5", "evidence": ""}
    dewi = office.people["Dewi"]
    await realisation_chat.start_chat(office.ctx, dewi, await office.assignment_of("Dewi"))
    await _say(office, "Dewi", "ada")
    with pytest.raises(Refused) as refused:
        await _done(office, "Dewi")
    assert refused.value.params == {"values": "IKU-5", "evidence": "IKU-4"}


async def test_a_member_who_answered_in_the_chat_hands_over_the_format_filled_with_it(
    office: Office,
) -> None:
    await _formats_handed_over(office)
    await _dewi_answers_in_the_chat(office)
    await _done(office, "Dewi")
    async with office.ctx.uow_factory() as uow:
        run = (await uow.runs.list_active(office.people["Dewi"].org_id))[0]
        (doc_id,) = run.documents_of_step(3)
        doc = await uow.documents.get(doc_id)
    assert doc is not None and doc.name == "realisasi-dewi-tw4-2026.xlsx"
    ws = load_workbook(BytesIO(await _bytes(office, doc)))[SHEET]
    assert ws[f"{COL['realisasi']}{FIRST_ROW}"].value == "ada"
    assert ws[f"{COL['realisasi']}{FIRST_ROW + 1}"].value == 4


# --- steps 4 and 5: the formulir and the review -------------------------------------------


async def _to_compiled(office: Office) -> None:
    await _formats_handed_over(office)
    await _rina_uploads_good_format(office)
    await _dewi_answers_in_the_chat(office)
    await _done(office, "Rina")
    await _done(office, "Dewi")
    await office.outbox()
    await _done(office, "Rina")
    assert await _docs_to(office, "Putri") == []  # not before the last one hands over
    await _done(office, "Dewi")


async def test_the_last_hand_over_compiles_the_formulir_for_the_secretary(
    office: Office,
) -> None:
    await _to_compiled(office)
    names = [d.name for d in await _docs_to(office, "Budi")]
    assert names[-2:] == [
        "formulir-pengukuran-kinerja-tw4-2026.xlsx",
        "formulir-pengukuran-kinerja-tw4-2026.pdf",
    ]
    # The compiled formulir replaces the members' own files (Dewi's format filled by the bot).
    assert not [n for n in names if n.startswith("realisasi-")]
    pdf = (await _docs_to(office, "Budi"))[-1]
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(await _bytes(office, pdf))).pages)
    assert "FORMULIR PENGUKURAN KINERJA" in text and "Triwulan IV 2026" in text
    assert "82,4" in text and "95,5" in text  # the reported values
    assert "Putri" in text and "197001011990031001" in text  # the reviewer signs


async def test_the_reviewer_gets_the_formulir_the_summary_and_the_chart(
    office: Office,
) -> None:
    await _to_compiled(office)
    docs = [d.name for d in await _docs_to(office, "Putri")]
    assert docs == [
        "formulir-pengukuran-kinerja-tw4-2026.xlsx",
        "formulir-pengukuran-kinerja-tw4-2026.pdf",
        "grafik-capaian-tw4-2026.png",
    ]
    summary = next(t for t in await _texts_to(office, "Putri") if "Ringkasan" in t)
    assert "Ringkasan pengukuran kinerja Triwulan IV 2026" in summary
    assert "Rata-rata capaian" in summary and "Per sasaran" in summary
    # IKU-5 adds up the year's quarters, and no run measured Triwulan I-III
    assert "Belum ada realisasi: IKU-5 (kumulatif: Triwulan I, II, III belum ada data)" in summary
    chart = (await _docs_to(office, "Putri"))[-1]
    assert (await _bytes(office, chart)).startswith(b"\x89PNG")


async def test_outbox_sends_the_chart_as_a_document(office: Office) -> None:
    await _to_compiled(office)
    async with office.ctx.uow_factory() as uow:
        kinds = [
            r.kind
            for r in (
                await uow.session.execute(
                    select(OutboxRow).where(OutboxRow.person_id == office.people["Putri"].id)
                )
            ).scalars()
        ]
    assert "document" in kinds


SIGNED_ORG = """\
organisation: Kantor Ukur
letters:
  kinds:
    formulir: {klasifikasi: "050", signed_by: sekretaris}
people:
  - {name: Putri, roles: [kepala], nip: "197001011990031001", jabatan: Kepala Kantor Ukur,
     pangkat: "Pembina (IV/a)", telegram_id: 5001}
  - {name: Budi, roles: [sekretaris], nip: "198003032005011003",
     jabatan: Sekretaris Kantor Ukur, pangkat: "Penata Tk. I (III/d)", telegram_id: 5002}
  - {name: Rina, roles: [anggota], telegram_id: 5003}
  - {name: Dewi, roles: [anggota], telegram_id: 5004}
"""


async def test_the_formulir_is_signed_by_the_offices_signing_rules(tmp_path: Path) -> None:
    async with open_office(
        tmp_path, MEASURE, SIGNED_ORG, "uji-ukur", "Putri", period=PERIOD, indicators=_indicators
    ) as office:
        await _to_compiled(office)
        pdf = (await _docs_to(office, "Budi"))[-1]
        reader = PdfReader(BytesIO(await _bytes(office, pdf)))
        text = " ".join(p.extract_text() for p in reader.pages)
    # The org file has the Sekretaris sign the formulir "a.n." the head, as for letters.
    assert "a.n. Kepala Kantor Ukur" in text
    assert "Sekretaris Kantor Ukur" in text and "Budi" in text
    assert "Penata Tk. I (III/d)" in text and "198003032005011003" in text


async def test_while_a_plh_acts_for_the_head_the_formulir_is_signed_plh(tmp_path: Path) -> None:
    from application.acting import appoint
    from application.measure_flow import _signer
    from workflow.lookups import pinned_spec

    plain = SIGNED_ORG.replace(
        '  kinds:\n    formulir: {klasifikasi: "050", signed_by: sekretaris}\n', "  unit: KU\n"
    )
    async with open_office(
        tmp_path, MEASURE, plain, "uji-ukur", "Putri", period=PERIOD, indicators=_indicators
    ) as office:
        budi, putri = office.people["Budi"], office.people["Putri"]
        today = office.clock.now.date()
        await appoint(office.ctx, budi.org_id, None, budi.id, today, today)
        async with office.ctx.uow_factory() as uow:
            [run] = await uow.runs.list_active(budi.org_id)
            spec = await pinned_spec(uow, run)
            acting = await _signer(uow, run, spec, putri, office.clock.now)
            later = await _signer(uow, run, spec, putri, office.clock.now + timedelta(days=2))
    assert (acting.jabatan, acting.name, acting.nip) == (
        "Plh. Kepala Kantor Ukur",
        "Budi",
        "198003032005011003",
    )
    assert acting.on_behalf is None
    assert (later.jabatan, later.name) == ("Kepala Kantor Ukur", "Putri")
