"""Reading a parsed plan's TOML while collecting every problem (path, message), and the
duration format (``15m``, ``2h``, ``1d``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from complaintctl.i18n import _

DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TAG = re.compile(r"^[\w.-]{1,40}$")


def parse_duration(text: Any) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d"``."""
    m = DURATION.match(str(text)) if isinstance(text, str) else None
    if not m:
        raise ValueError(_("'{text}' is not a duration; write 15m, 2h or 1d").format(text=text))
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(minutes=n) if unit in ("m", "min") else (
        timedelta(hours=n) if unit == "h" else timedelta(days=n))


class Checker:
    """Collects (path, message) problems while reading the parsed TOML."""

    def __init__(self) -> None:
        self.problems: list[tuple[tuple, str]] = []

    def fail(self, path: tuple, message: str) -> None:
        self.problems.append((path, message))

    def table(self, data: Any, path: tuple, allowed: set[str], required: set[str] = frozenset()):
        if not isinstance(data, dict):
            self.fail(path, _("{key} must be a table").format(key=dotted(path)))
            return {}
        for key in data:
            if key not in allowed:
                self.fail(path + (key,), _("unknown key '{key}' in {table} (allowed: {allowed})")
                          .format(key=key, table=dotted(path) or _("the plan"),
                                  allowed=", ".join(sorted(allowed))))
        for key in sorted(required - set(data)):
            self.fail(path, _("{table} needs '{key}'").format(
                table=dotted(path) or _("the plan"), key=key))
        return data

    def string(self, data: dict, key: str, path: tuple, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if key in data or default is None:
                self.fail(path + (key,), _("{key} must be a non-empty string").format(
                    key=dotted(path + (key,))))
            return default or ""
        return value.strip()

    def integer(self, data: dict, key: str, path: tuple, default: int | None = None,
                minimum: int = 1) -> int | None:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(path + (key,), _("{key} must be a whole number of at least {min}").format(
                key=dotted(path + (key,)), min=minimum))
            return default
        return value

    def duration(self, data: dict, key: str, path: tuple, default: str | None = None):
        value = data.get(key, default)
        if value is None:
            self.fail(path, _("{table} needs '{key}'").format(table=dotted(path), key=key))
            return timedelta(0)
        try:
            result = parse_duration(value)
        except ValueError as problem:
            self.fail(path + (key,), f"{dotted(path + (key,))}: {problem}")
            return timedelta(0)
        return result

    def strings(self, data: dict, key: str, path: tuple, default=()) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list):
            self.fail(path + (key,), _("{key} must be a list of strings").format(
                key=dotted(path + (key,))))
            return tuple(default)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(path + (key, i), _("{key} must be a list of strings").format(
                    key=dotted(path + (key,))))
            else:
                out.append(item.strip())
        return tuple(out)

    def tags(self, data: dict, key: str, path: tuple) -> tuple[str, ...]:
        out = []
        for i, tag in enumerate(self.strings(data, key, path)):
            if not TAG.match(tag):
                self.fail(path + (key, i), _("tag '{tag}' must be 1-40 letters, digits, '_', '.' "
                                             "or '-'").format(tag=tag))
            out.append(tag.lower())
        return tuple(out)


def dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + str(p)
                   for i, p in enumerate(path))
