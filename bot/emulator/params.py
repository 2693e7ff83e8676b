"""Reads Bot API parameters the ways Telegram accepts them.

Query string, `application/x-www-form-urlencoded`, `application/json` and
`multipart/form-data` (file parts become `Upload`s). Nested values in form bodies arrive as
JSON-encoded strings; the spec decodes them where a parameter expects an object or array.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.spec import Upload

MAX_UPLOAD = 50 * 1024 * 1024


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Return the plain parameters and the uploaded file parts of a request."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    content_type = request.content_type
    try:
        if content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            params.update(body)
        elif content_type == "multipart/form-data":
            await _read_multipart(request, params, uploads)
        elif content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            params.update({key: str(value) for key, value in form.items()})
    except web.HTTPRequestEntityTooLarge as error:
        raise ApiError(413, "Request Entity Too Large") from error
    except json.JSONDecodeError as error:
        raise bad_request("can't parse JSON body") from error
    return params, uploads


async def _read_multipart(
    request: web.Request, params: dict[str, Any], uploads: dict[str, Upload]
) -> None:
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        if len(data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads[part.name] = Upload(part.name, part.filename, content_type, bytes(data))
        else:
            charset = part.get_charset(default="utf-8")
            params[part.name] = bytes(data).decode(charset)
