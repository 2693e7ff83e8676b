"""Webhook delivery: POSTs queued updates to the bot's URL, in order, retrying with backoff.

Like Telegram, an update leaves the queue only when the webhook answers 2xx; a failure is
recorded for getWebhookInfo and the same update is tried again later.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import aiohttp

from bot.emulator.world import WebhookConfig, World

DEFAULT_RETRY_DELAYS = (0.05, 0.2, 1.0, 3.0, 10.0)


class WebhookDeliverer:
    """Runs until the world closes, delivering whenever a webhook is set and updates wait."""

    def __init__(
        self,
        world: World,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        request_timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.retry_delays = tuple(retry_delays)
        self.request_timeout = request_timeout
        self.attempts = 0

    async def run(self) -> None:
        """Deliver until `world.closing` is set."""
        world = self.world
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            failures = 0
            while not world.closing:
                await world.wait_for(lambda: bool(world.webhook and world.updates), None)
                hook = world.webhook
                if world.closing or hook is None or not world.updates:
                    continue
                update = world.updates[0]
                error = await self._post(session, hook, update)
                if error is None:
                    failures = 0
                    world.updates = [u for u in world.updates if u is not update]
                    world.notify()
                    continue
                hook.last_error_date = world.now()
                hook.last_error_message = error
                delay = self.retry_delays[min(failures, len(self.retry_delays) - 1)]
                failures += 1
                with contextlib.suppress(TimeoutError):
                    await world.wait_for(_replaced(world, hook), delay)

    async def _post(
        self, session: aiohttp.ClientSession, hook: WebhookConfig, update: dict[str, object]
    ) -> str | None:
        """POST one update; the error message on failure, None on success."""
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        self.attempts += 1
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return f"Connection failed: {error.__class__.__name__}"


def _replaced(world: World, hook: WebhookConfig) -> Callable[[], bool]:
    """A condition: the webhook was deleted or set anew (so retry at once)."""
    return lambda: world.webhook is not hook
