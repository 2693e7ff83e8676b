"""The Telegram adapters, fed real updates offline: commands, taps, typed answers, refusals."""

from __future__ import annotations

import pytest

from application.context import AppContext
from messages.render import label, render
from tests.handlers.conftest import Office

CAMAT, SEKRETARIS, SEKRETARIS_TIM, ANGGOTA = 1001, 1002, 1003, 1004
STRANGER = 4242


async def start_run(office: Office, period: str = "Triwulan IV 2026") -> None:
    """The Camat starts a run of Pengukuran Kinerja through /mulai, for a period."""
    await office.say(CAMAT, "/mulai")  # both shipped SOPs are offered
    await office.button(CAMAT, "Pengelolaan Surat Masuk")
    await office.tap(CAMAT, await office.button(CAMAT, "Pengukuran Kinerja"))
    assert "periode" in (await office.last_text(CAMAT)).lower()
    await office.tap(CAMAT, await office.button(CAMAT, period))
    assert period in await office.last_text(CAMAT)
    await office.tap(CAMAT, await office.button(CAMAT, "Mulai"))


async def paraf_chain(office: Office) -> None:
    """The Sekretaris and then the Sekretaris Tim SAKIP tap Paraf on the disposition."""
    for who in (SEKRETARIS, SEKRETARIS_TIM):
        await office.tap(who, await office.button(who, "Paraf"))


async def test_mulai_offers_the_periods_then_confirmation_and_gives_the_camat_the_disposition(
    office: Office,
) -> None:
    await start_run(office, "Triwulan IV 2026")

    task = await office.last_text(CAMAT)
    assert "Pengukuran Kinerja Triwulan IV 2026" in task
    assert "Langkah 1/14" in task
    for name in ("Biasa", "Segera", "Sangat segera", "arahan"):
        await office.button(CAMAT, name)
    # The confirmation's buttons are taken away once accepted: through the outbox (retried
    # like a send, after the messages queued before it).
    drops = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "markup"]
    assert drops and drops[-1]["buttons"] == []


async def test_a_stranger_is_told_to_ask_for_an_invitation(office: Office) -> None:
    await office.say(STRANGER, "/tugas")

    assert await office.last_text(STRANGER) == render("not_registered", None)


async def test_someone_elses_button_is_refused_with_an_alert_and_changes_nothing(
    office: Office,
) -> None:
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")
    before = await office.outbox()

    await office.tap(ANGGOTA, dispose)

    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert alert["text"] == render("not_your_button", "id")[:200]
    assert await office.outbox() == before  # nothing queued, nothing moved on


async def test_disposition_moves_the_run_on_and_a_redelivered_tap_changes_nothing(
    office: Office,
) -> None:
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")
    office.message_id += 1
    tap = {
        "update_id": 900,
        "callback_query": {
            "id": "cb-dispose",
            "from": {"id": CAMAT, "is_bot": False, "first_name": "Ahmad"},
            "chat_instance": "ci",
            "data": dispose,
            "message": {"message_id": 5, "date": 0, "chat": {"id": CAMAT, "type": "private"}},
        },
    }

    await office.feed(dict(tap))
    after_first = await office.outbox()
    await office.feed(dict(tap))  # Telegram delivers the same update again

    assert await office.outbox() == after_first
    assert "Segera" in await office.last_text(CAMAT)  # the acknowledgement names the urgency
    assert "Paraf Sekretaris Kecamatan" in await office.last_text(SEKRETARIS)  # once only
    assert sum("Paraf Sekretaris" in p.get("text", "") for p in await office.outbox()) == 1


async def test_a_second_tap_on_a_used_button_is_refused(office: Office) -> None:
    await start_run(office)
    dispose = await office.button(CAMAT, "Biasa")
    await office.tap(CAMAT, dispose)
    before = await office.outbox()

    await office.tap(CAMAT, dispose)

    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert await office.outbox() == before


async def test_typed_text_without_a_question_says_what_to_do(office: Office) -> None:
    await office.say(ANGGOTA, "halo")

    assert await office.last_text(ANGGOTA) == render("unexpected_text", "id")


async def test_status_is_refused_in_a_group_that_is_not_the_office_group(office: Office) -> None:
    group = {"id": -500, "type": "group", "title": "Arisan"}

    await office.say(CAMAT, "/status", chat=group)

    assert await office.last_text(-500) == render("only_private", "id")


async def test_mulai_offers_this_years_periods_and_the_last_quarter_of_the_previous_year(
    office: Office,
) -> None:
    await office.say(CAMAT, "/mulai")
    await office.tap(CAMAT, await office.button(CAMAT, "Pengukuran Kinerja"))

    offered = (await office.outbox(telegram_id=CAMAT))[-1]
    labels = [row[0]["text"] for row in offered["buttons"]]
    assert labels == [
        "Triwulan IV 2025",
        "Triwulan I 2026",
        "Triwulan II 2026",
        "Triwulan III 2026",
        "Triwulan IV 2026",
        "Tahunan 2026",
    ]


async def test_a_period_already_running_is_refused_with_what_to_do(office: Office) -> None:
    await start_run(office, "Triwulan IV 2026")
    await office.say(CAMAT, "/mulai")
    await office.tap(CAMAT, await office.button(CAMAT, "Pengukuran Kinerja"))
    before = await office.outbox()

    await office.tap(CAMAT, await office.button(CAMAT, "Triwulan IV 2026"))

    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    full = render(
        "refusal",
        "id",
        code="period_already_run",
        params={"sop": "Pengukuran Kinerja", "period": "Triwulan IV 2026", "status": "active"},
    )
    assert alert["text"] == full and len(full) <= 200  # an alert shows 200 characters
    assert "sedang berjalan" in full and "Pilih periode lain" in full
    assert await office.outbox() == before  # no confirmation offered
    await office.tap(CAMAT, await office.button(CAMAT, "Triwulan III 2026"))
    assert "Triwulan III 2026" in await office.last_text(CAMAT)  # another period is offered


@pytest.fixture
def replies_after_commit_are_lost(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The process dies right after a tap's state change is committed: a reply queued in a
    transaction of its own afterwards never happens (the redelivered update is then skipped
    as done). What the person must be told has to travel with the state change."""
    lost: list[str] = []

    async def dies(self: object, chat_id: int, body: str) -> None:
        lost.append(body)

    monkeypatch.setattr(AppContext, "queue_reply", dies)
    return lost


async def test_the_upload_prompt_travels_with_the_state_change(
    office: Office, replies_after_commit_are_lost: list[str]
) -> None:
    await start_run(office)
    await office.tap(CAMAT, await office.button(CAMAT, "Biasa"))
    await paraf_chain(office)

    await office.tap(SEKRETARIS_TIM, await office.button(SEKRETARIS_TIM, "Unggah dokumen"))

    prompt = await office.last_text(SEKRETARIS_TIM)
    assert prompt.startswith("📎 Kirim dokumen untuk langkah 2"), prompt
    assert replies_after_commit_are_lost == []


async def test_the_title_prompt_and_a_cancelled_start_travel_with_the_state_change(
    office: Office, replies_after_commit_are_lost: list[str]
) -> None:
    await office.say(CAMAT, "/mulai")
    await office.tap(CAMAT, await office.button(CAMAT, "Pengelolaan Surat Masuk"))
    assert "judul" in (await office.last_text(CAMAT)).lower()
    await office.say(CAMAT, "Surat Bupati 12/2026")

    await office.tap(CAMAT, await office.button(CAMAT, "Batal"))

    assert await office.last_text(CAMAT) == render("mulai_cancelled", "id")
    assert replies_after_commit_are_lost == []


async def test_office_answers_travel_with_their_changes(
    office: Office, replies_after_commit_are_lost: list[str]
) -> None:
    await office.say(CAMAT, "/undang Dewi")
    assert "?start=" in await office.last_text(CAMAT)  # the link of the code just made

    await office.say(ANGGOTA, "/pengingat")
    assert await office.last_text(ANGGOTA) == render("digest_switched", "id", on=True, top=False)

    group = {"id": -700, "type": "group", "title": "Kantor Kecamatan"}
    await office.say(CAMAT, "/hubungkan", chat=group)
    assert "Kecamatan Contoh" in await office.last_text(-700)
    assert replies_after_commit_are_lost == []


async def test_a_stranger_typing_commands_in_the_office_group_is_answered_there_once(
    office: Office,
) -> None:
    group = {"id": -100500, "type": "supergroup", "title": "Kantor"}
    for _ in range(25):
        await office.say(STRANGER, "/status", chat=group)
    await office.say(STRANGER + 1, "/bantuan", chat=group)  # another one within the minute

    answers = [p for p in await office.outbox() if p.get("kind") == "text"]
    assert [p["text"] for p in answers] == [render("not_registered", None)]
    office.clock.advance(2)  # minutes: the group may hear one more such answer
    await office.say(STRANGER + 1, "/bantuan", chat=group)
    await office.say(STRANGER, "/status", chat=group)  # already answered today: not again
    assert len([p for p in await office.outbox() if p.get("kind") == "text"]) == 2
    await office.say(STRANGER, "/tugas")  # in private a stranger is always answered
    assert len(await office.outbox(telegram_id=STRANGER)) == 1


async def test_inviting_a_linked_official_asks_first_and_tells_the_old_account(
    office: Office,
) -> None:
    await office.say(CAMAT, "/undang Siti")  # Siti is linked to 1002 already

    ask = await office.last_text(CAMAT)
    assert ask == render("invite_linked_confirm", "id", name="Siti")
    assert "start=" not in ask  # no link before the confirmation
    await office.tap(CAMAT, await office.button(CAMAT, label("invite_relink", "id")))
    link = await office.last_text(CAMAT)
    code = link.split("start=", 1)[1].split()[0]

    await office.say(7777, f"/start {code}")  # her new phone

    assert await office.last_text(SEKRETARIS) == render("identity_moved", "id", name="Siti")
    assert "Siti" in await office.last_text(7777)


async def test_inviting_a_linked_official_can_be_cancelled(office: Office) -> None:
    await office.say(CAMAT, "/undang Siti")
    await office.tap(CAMAT, await office.button(CAMAT, label("cancel", "id")))
    assert not [p for p in await office.outbox(telegram_id=CAMAT) if "start=" in p.get("text", "")]


async def test_a_commands_button_removal_is_committed_with_the_command(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")

    async def died(*args: object, **kwargs: object) -> None:
        raise AssertionError("the process died after the command's commit")

    # Nothing after the commit runs: the removal must already be in it.
    monkeypatch.setattr(AppContext, "queue_edit", died)
    await office.tap(CAMAT, dispose)

    markups = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "markup"]
    assert len(markups) == 2  # the confirmation's, and now the disposition's
    assert "Langkah 1/14" in await office.last_text(SEKRETARIS)  # the paraf is hers now
