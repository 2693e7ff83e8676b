"""/dasbor (issue 14): the person's own sign-in link to the web dashboard, bound to them and
signed with a key derived from the bot token (never the token itself); without a dashboard
on the server a sentence saying what to use instead; in a group nothing (the link is
personal)."""

from __future__ import annotations

from pydantic import SecretStr

from application.dashboard.access import LINK, Verdict, verify
from bot.app import dashboard_keys
from bot.settings import Settings
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import ANGGOTA, CAMAT

URL = "https://kinerja.example.go.id/dasbor"


async def test_without_a_dashboard_the_bot_says_so_and_what_to_use(office: Office) -> None:
    assert office.runtime.ctx.dashboard is None  # KINERJA_DASHBOARD_URL is not set
    await office.say(ANGGOTA, "/dasbor")
    text = await office.last_text(ANGGOTA)
    assert "belum diaktifkan" in text and "/status" in text and "http" not in text


async def test_the_link_is_personal_signed_and_short_lived(office: Office) -> None:
    settings = Settings(
        BOT_TOKEN=SecretStr("123:offline"), KINERJA_DASHBOARD_URL=URL, KINERJA_PACE="fast"
    )
    keys = dashboard_keys(settings, "123:offline")
    assert keys is not None and keys.base_url == URL
    office.runtime.ctx.dashboard = keys
    await office.say(CAMAT, "/dasbor")
    text = await office.last_text(CAMAT)
    assert f"{URL}/masuk?t=" in text and "123:offline" not in text
    assert "berlaku 10 menit" in text
    token = text.split("?t=", 1)[1].split('"')[0].split()[0].split("<")[0]
    verdict, person = verify(keys.key, LINK, token, office.clock())
    assert verdict is Verdict.VALID and person == await office.person_id(CAMAT)


async def test_in_a_group_no_link_is_given(office: Office) -> None:
    office.runtime.ctx.dashboard = dashboard_keys(
        Settings(BOT_TOKEN=SecretStr("123:offline"), KINERJA_DASHBOARD_URL=URL), "123:offline"
    )
    group = {"id": -100500, "type": "group", "title": "Kantor"}
    await office.say(CAMAT, "/dasbor", chat=group)
    assert not [p for p in await office.outbox() if "masuk?t=" in str(p.get("text", ""))]
