"""Errors of the emulator: Telegram's refusals and mistakes made by the test harness."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal that the emulated Bot API answers in Telegram's error shape."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """Return the body Telegram sends for this refusal."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Return a 400 refusal, worded as Telegram words them."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """Return a 403 refusal, worded as Telegram words them."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return a 429 refusal that tells the client how long to wait."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def not_found() -> ApiError:
    """Return the refusal for an unknown method or file."""
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    """Return the refusal for a malformed or foreign bot token."""
    return ApiError(401, "Unauthorized")


class HarnessError(ValueError):
    """A test asked a simulated user to do something a real user could not do."""
