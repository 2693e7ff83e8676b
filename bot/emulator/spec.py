"""The official Bot API specification: loading it and checking requests and results against it.

`bot-api.json` (MIT, see `BOT_API_LICENSE`) lists every method with its parameters and every
type with its fields. The emulator refuses what the real API would refuse (unknown method,
unknown or missing parameter, wrong basic type) and tests use `missing_fields` to prove that
what the emulator returns has every field the real API promises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.emulator.errors import bad_request, not_found

_INTEGER = re.compile(r"^-?\d+$")
_ARRAY = "Array of "


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Field:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool


class BotApiSpec:
    """The methods and types of the Bot API, read from the bundled JSON file."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self._methods: dict[str, dict[str, Field]] = {
            name: _fields(method) for name, method in raw["methods"].items()
        }
        self._returns: dict[str, tuple[str, ...]] = {
            name: tuple(method.get("returns") or []) for name, method in raw["methods"].items()
        }
        self._by_lower = {name.lower(): name for name in self._methods}
        self._types: dict[str, dict[str, Field]] = {
            name: _fields(kind) for name, kind in raw["types"].items()
        }
        self._subtypes: dict[str, list[str]] = {
            name: list(kind.get("subtypes") or []) for name, kind in raw["types"].items()
        }

    @property
    def method_names(self) -> list[str]:
        """Every method name, spelled as the documentation spells it."""
        return list(self._methods)

    def method_name(self, name: str) -> str:
        """Return the canonical spelling of a method (Telegram ignores case) or refuse 404."""
        canonical = self._by_lower.get(name.lower())
        if canonical is None:
            raise not_found()
        return canonical

    def parameters(self, method: str) -> dict[str, Field]:
        """The parameters of a method, by name."""
        return dict(self._methods[self.method_name(method)])

    def return_types(self, method: str) -> tuple[str, ...]:
        """What a method returns, e.g. ("Message",), ("Array of Update",) or ("Boolean",)."""
        return self._returns[self.method_name(method)]

    def has_type(self, name: str) -> bool:
        """Tell whether `name` is a type of the spec."""
        return name in self._types

    def validate(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Check `params` against `method` and return them with basic types coerced."""
        fields = self._methods[self.method_name(method)]
        for name in params:
            if name not in fields:
                raise bad_request(f'unknown parameter "{name}"')
        coerced: dict[str, Any] = {}
        for field in fields.values():
            if field.name not in params or params[field.name] is None:
                if field.required:
                    raise bad_request(_missing_message(field.name))
                continue
            coerced[field.name] = self._coerce(field.name, params[field.name], field.types)
        return coerced

    def missing_fields(self, type_name: str, value: Any, path: str = "") -> list[str]:
        """List the dotted paths of required fields absent from `value` (recursively)."""
        here = path or type_name
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{here} (not an array)"]
            inner = type_name[len(_ARRAY) :]
            missing: list[str] = []
            for index, item in enumerate(value):
                missing += self.missing_fields(inner, item, f"{here}[{index}]")
            return missing
        if type_name not in self._types:
            return []
        if not isinstance(value, dict):
            return [f"{here} (not an object)"]
        subtypes = self._subtypes.get(type_name) or []
        if subtypes:
            reports = [self.missing_fields(sub, value, here) for sub in subtypes]
            return min(reports, key=len)
        missing = []
        for field in self._types[type_name].values():
            if field.name not in value:
                if field.required:
                    missing.append(f"{here}.{field.name}")
                continue
            if len(field.types) == 1:
                missing += self.missing_fields(
                    field.types[0], value[field.name], f"{here}.{field.name}"
                )
        return missing

    def _coerce(self, name: str, value: Any, types: tuple[str, ...]) -> Any:
        for kind in types:
            ok, coerced = self._coerce_one(value, kind)
            if ok:
                if isinstance(coerced, dict | list) and self._object_kinds(types):
                    self._check_object(name, coerced, types)
                return coerced
        raise bad_request(f'field "{name}" must be of type {" or ".join(types)}')

    def _object_kinds(self, types: tuple[str, ...]) -> list[str]:
        return [kind for kind in types if kind.startswith(_ARRAY) or kind in self._types]

    def _check_object(self, name: str, value: Any, types: tuple[str, ...]) -> None:
        reports = [self.missing_fields(kind, value, name) for kind in self._object_kinds(types)]
        best = min(reports, key=len)
        if best:
            raise bad_request(f"can't parse {name}: required field {best[0]} is missing")

    def _coerce_one(self, value: Any, kind: str) -> tuple[bool, Any]:
        if kind == "Integer":
            if isinstance(value, bool):
                return False, None
            if isinstance(value, int):
                return True, value
            if isinstance(value, float) and value.is_integer():
                return True, int(value)
            if isinstance(value, str) and _INTEGER.match(value.strip()):
                return True, int(value.strip())
            return False, None
        if kind == "Float":
            if isinstance(value, bool):
                return False, None
            if isinstance(value, int | float):
                return True, float(value)
            try:
                return True, float(value)
            except (TypeError, ValueError):
                return False, None
        if kind == "Boolean":
            if isinstance(value, bool):
                return True, value
            text = str(value).strip().lower()
            if text in {"true", "1"}:
                return True, True
            if text in {"false", "0"}:
                return True, False
            return False, None
        if kind == "String":
            if isinstance(value, str):
                return True, value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return True, str(value)
            return False, None
        if kind == "InputFile":
            return isinstance(value, Upload), value
        decoded = _decode_json(value)
        if kind.startswith(_ARRAY):
            if not isinstance(decoded, list):
                return False, None
            inner = kind[len(_ARRAY) :]
            items = []
            for item in decoded:
                ok, coerced = self._coerce_one(item, inner)
                if not ok:
                    return False, None
                items.append(coerced)
            return True, items
        if kind in self._types:
            return isinstance(decoded, dict), decoded
        return False, None


def _decode_json(value: Any) -> Any:
    """Decode a JSON-encoded string (how form bodies carry nested values); else keep it."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _fields(entry: dict[str, Any]) -> dict[str, Field]:
    return {
        field["name"]: Field(field["name"], tuple(field["types"]), bool(field["required"]))
        for field in entry.get("fields") or []
    }


def _missing_message(name: str) -> str:
    if name == "text":
        return "message text is empty"
    return f"{name} is empty"


@lru_cache(maxsize=1)
def load_spec() -> BotApiSpec:
    """Load the bundled specification once per process."""
    text = resources.files("bot.emulator").joinpath("bot-api.json").read_text("utf-8")
    return BotApiSpec(json.loads(text))
