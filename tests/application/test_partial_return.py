"""The partial return of indicators (issue 12): at the review the reviewer picks indicators;
only the members answering for them redo the collect step, only for those; completion waits
for new values; the others stay as reported; the reviewer then sees old → new.

The office, SOP and indicators are those of `test_measurement_flow` (Rina answers IKU-1 to
IKU-3, Dewi IKU-4 and IKU-5; step 3 collects, step 4 compiles, step 5 reviews).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from application import partial_return, realisation_chat, runs
from application.pending_kinds import AWAIT_REALISASI, AWAIT_RETURN_NOTE
from tests.application import test_measurement_flow as flow
from tests.application.offices import Office, open_office
from tests.unit.indicator_samples import fill
from workflow.errors import Refused


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The measuring office with every value reported and the formulir with the reviewer."""
    async with open_office(
        tmp_path,
        flow.MEASURE,
        flow.ORG,
        "uji-ukur",
        "Putri",
        period=flow.PERIOD,
        indicators=flow._indicators,
    ) as office:
        await flow._to_compiled(office)
        await office.outbox()
        yield office


async def _return_iku_2(office: Office) -> str:
    """Putri returns IKU-2 only, with a note; the assignment of her review."""
    putri = office.people["Putri"]
    review = await office.assignment_of("Putri")
    assert await runs.ask_return(office.ctx, putri, review) is None  # the choice is sent
    shown = await partial_return.pick(office.ctx, putri, review, toggle="IKU-2")
    assert "☑ <b>IKU-2</b>" in shown.text and "☐ <b>IKU-4</b>" in shown.text
    assert await partial_return.picked(office.ctx, putri, review) == ["IKU-2"]
    await runs.return_with_note(office.ctx, putri, review, "IKU-2 tidak sesuai rekap PATEN")
    return review


async def test_the_reviewer_picks_indicators_and_only_their_kasi_is_asked_again(
    office: Office,
) -> None:
    putri = office.people["Putri"]
    review = await office.assignment_of("Putri")
    assert await runs.ask_return(office.ctx, putri, review) is None
    picker = "\n".join(await flow._texts_to(office, "Putri"))
    assert "Indikator mana yang dikembalikan ke langkah 3" in picker
    assert "dilaporkan: 95,5 % · Rina" in picker and "dilaporkan: ada · Dewi" in picker
    with pytest.raises(Refused) as refused:  # Lanjut with nothing ticked
        await partial_return.picked(office.ctx, putri, review)
    assert refused.value.code == "return_pick_empty"
    shown = await partial_return.pick(office.ctx, putri, review, toggle="IKU-4")
    shown = await partial_return.pick(office.ctx, putri, review, toggle="IKU-2")
    shown = await partial_return.pick(office.ctx, putri, review, toggle="IKU-4")  # untick
    assert "Dipilih: IKU-2." in shown.text
    assert await partial_return.picked(office.ctx, putri, review) == ["IKU-2"]
    pending = await runs.pending_input(office.ctx, putri.id)
    assert pending is not None and pending.kind == AWAIT_RETURN_NOTE
    prompt = "\n".join(await flow._texts_to(office, "Putri"))
    assert "kepada Rina, hanya indikator IKU-2" in prompt

    outcome = await runs.return_with_note(office.ctx, putri, review, "IKU-2 tidak sesuai")
    assert [(a.step_no, a.person_id) for a in outcome.activated] == [(3, office.people["Rina"].id)]
    assert outcome.run.latest_instance(3).returned_items == ("IKU-2",)  # type: ignore[union-attr]
    told = "\n".join(await flow._texts_to(office, "Rina"))
    assert "dikembalikan untuk 1 indikator Anda saja" in told
    assert "IKU-2" in told and "sebelumnya 95,5 %" in told and "IKU-2 tidak sesuai" in told
    assert "IKU-1" not in told.split("dikembalikan")[1].split("Isi lagi")[0]
    correction = (await flow._docs_to(office, "Rina"))[-1]
    assert correction.name == "format-perbaikan-rina-tw4-2026.xlsx"
    assert flow._codes(await flow._bytes(office, correction)) == ["IKU-2"]
    assert await flow._texts_to(office, "Dewi") == []  # Dewi is not asked again


async def test_completion_waits_for_the_returned_values_and_the_chat_asks_only_those(
    office: Office,
) -> None:
    await _return_iku_2(office)
    with pytest.raises(Refused) as refused:
        await flow._done(office, "Rina")
    assert refused.value.code == "realisasi_returned_missing"
    assert refused.value.params["values"] == "IKU-2"

    rina = office.people["Rina"]
    await realisation_chat.start_chat(office.ctx, rina, await office.assignment_of("Rina"))
    pending = await runs.pending_input(office.ctx, rina.id)
    assert pending is not None and pending.kind == AWAIT_REALISASI
    assert pending.data["code"] == "IKU-2"
    replies = await flow._say(office, "Rina", "97")
    assert "Semua realisasi indikator Anda sudah tercatat" in replies
    assert "IKU-1" not in replies.split("sudah tercatat")[1]  # only the returned one listed
    await flow._done(office, "Rina")  # now accepted
    realised = await flow._realised(office)
    assert realised["IKU-2"].value == Decimal(97)
    assert realised["IKU-1"].value == Decimal("82.4")  # the others as reported
    assert realised["IKU-5"].value == Decimal(4)


async def test_a_filled_format_records_only_the_returned_indicators(office: Office) -> None:
    await _return_iku_2(office)
    own = (await flow._docs_to(office, "Rina"))[0]  # her first, whole format
    whole = fill(
        await flow._bytes(office, own),
        {
            "IKU-1": ("70", None, None),
            "IKU-2": ("96", None, "rekap-perbaikan.pdf"),
            "IKU-3": ("3", None, None),
        },
    )
    await flow._send_file(office, "Rina", "format-rina-lagi.xlsx", whole)
    realised = await flow._realised(office)
    assert realised["IKU-2"].value == Decimal(96)
    assert realised["IKU-1"].value == Decimal("82.4")  # not returned: kept as reported
    assert "1 realisasi indikator tercatat" in "\n".join(await flow._texts_to(office, "Rina"))


async def test_the_reviewer_then_sees_what_changed_old_to_new(office: Office) -> None:
    await _return_iku_2(office)
    correction = (await flow._docs_to(office, "Rina"))[-1]
    filled = fill(await flow._bytes(office, correction), {"IKU-2": ("97", None, "rekap.pdf")})
    await flow._send_file(office, "Rina", "format-perbaikan-terisi.xlsx", filled)
    await flow._done(office, "Rina")  # step 3, Rina only
    await office.outbox()
    await flow._done(office, "Rina")  # step 4, Rina only: the formulir is compiled again
    texts = "\n".join(await flow._texts_to(office, "Putri"))
    assert "Perubahan setelah pengembalian" in texts
    # IKU-2 (target 95): 95,5 → 97; capaian 100,53 % → 102,11 %
    assert "<b>IKU-2</b>: 95,5 % → 97 % (capaian 100,53 % → 102,11 %)" in texts
    assert "IKU-1</b>:" not in texts
    pdf = (await flow._docs_to(office, "Putri"))[-2]
    assert pdf.name.endswith(".pdf")


async def test_the_new_compile_replaces_the_one_another_member_made(office: Office) -> None:
    """Dewi compiled round 1 (she handed over last); after the return Rina hands over last and
    compiles again: from then on only Rina's formulir travels (not both, under one name)."""
    await _return_iku_2(office)
    correction = (await flow._docs_to(office, "Rina"))[-1]
    filled = fill(await flow._bytes(office, correction), {"IKU-2": ("97", None, "rekap.pdf")})
    await flow._send_file(office, "Rina", "format-perbaikan-terisi.xlsx", filled)
    seen = len(await flow._docs_to(office, "Putri"))
    await flow._done(office, "Rina")  # step 3
    await office.outbox()
    await flow._done(office, "Rina")  # step 4: compiled again, by Rina
    rina = office.people["Rina"].id
    received = (await flow._docs_to(office, "Putri"))[seen:]
    new = [d for d in received if d.name.startswith("formulir")]
    assert sorted(d.name for d in new) == [
        "formulir-pengukuran-kinerja-tw4-2026.pdf",
        "formulir-pengukuran-kinerja-tw4-2026.xlsx",
    ]
    assert {d.uploaded_by for d in new} == {rina}
    async with office.ctx.uow_factory() as uow:
        (run,) = await uow.runs.list_active(office.people["Rina"].org_id)
        current = [await uow.documents.get(d) for d in run.documents_of_step(4)]
    assert sorted((d.name, d.uploaded_by) for d in current if d) == [
        ("formulir-pengukuran-kinerja-tw4-2026.pdf", rina),
        ("formulir-pengukuran-kinerja-tw4-2026.xlsx", rina),
    ]
