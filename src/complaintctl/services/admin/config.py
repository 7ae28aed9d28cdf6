"""Configuration kept in the database, so every clerk works to the same rules.

``config show`` lists every key with its value and where it comes from (default or database);
``config set KEY VALUE`` changes one (an empty value goes back to the default); ``config load
FILE.toml`` sets many keys and defines custom clock profiles at once. Every change is audited,
and a change that moves deadlines (time zone, calendar overrides, a profile's rules) recomputes
the stored ``due_at`` of every complaint whose clock runs, in the same transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, money
from complaintctl.domain.calendars import WorkCalendar, parse_dates
from complaintctl.domain.clock import DEFAULT_TZ
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.domain.urgency import DEFAULT_WEIGHTS
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _, machine_text
from complaintctl.store.models import Setting
from complaintctl.services.audit import trail as audit
from complaintctl.services.core.context import Actor, now, use_case

PROFILE_PREFIX = "profiles."
#: calendars are pure data: one per (country, overrides) for the life of the process
_CALENDARS: dict[tuple, WorkCalendar] = {}


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    return parse


def _percents(value: str) -> tuple[int, ...]:
    numbers = tuple(sorted({int(v) for v in value.replace(";", ",").split(",") if v.strip()}))
    if any(not 1 <= n <= 99 for n in numbers):
        raise ValueError
    return numbers


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError from None


def _amount(value: str) -> int:
    cents = money.parse_amount(value)
    if cents is None:
        raise ValueError
    return cents


def _language(value: str) -> str:
    if value.strip().lower() not in ("en", "zh"):
        raise ValueError
    return value.strip().lower()


def _email(value: str) -> str:
    if "@" not in value:
        raise ValueError
    return value.strip()


def _float(value: str) -> float:
    number = float(value)
    if math.isnan(number) or abs(number) > 1000:
        raise ValueError
    return number


@dataclass(frozen=True)
class Key:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any]
    moves_deadlines: bool = False


def _keys() -> dict[str, Key]:
    keys = [
        Key("profile", deadlines.DEFAULT_PROFILE,
            _("The clock profile for new complaints: cn-cbirc-2020, uk-fca, us-cfpb or a custom "
              "one (config load)."), str),
        Key("timezone", DEFAULT_TZ, _("The bank's time zone: deadlines end 23:59:59 there."),
            _zone, moves_deadlines=True),
        Key("calendar.extra_holidays", "",
            _("Extra days off (comma-separated ISO dates), e.g. a year's schedule the holiday "
              "package does not know yet."), parse_dates, moves_deadlines=True),
        Key("calendar.extra_workdays", "",
            _("Extra working days (comma-separated ISO dates), e.g. make-up days (调休)."),
            parse_dates, moves_deadlines=True),
        Key("compensation.threshold", "1000.00",
            _("Compensation above this amount needs a second person's approval before resolve."),
            _amount),
        Key("assign.auto_on_register", "false",
            _("Assign every new complaint at once to the branch handler with the fewest open "
              "complaints."), _bool),
        Key("sla.warn_percents", "50,80",
            _("Warn when this share of the time allowed is used (sla check)."), _percents),
        Key("sla.escalate_after_days", "3",
            _("Days overdue after which sla check escalates again, to head office."),
            _int(1, 365)),
        Key("notify.from", "complaintctl@localhost",
            _("The From address of notifications (COMPLAINTCTL_SMTP_FROM overrides)."), _email),
        Key("notify.max_attempts", "5",
            _("Delivery attempts before a notification is marked failed."), _int(1, 100)),
        Key("notify.backoff_seconds", "2",
            _("The first retry waits this long; each next one twice as long."), _float),
        Key("language", "en",
            _("The interface language when neither --lang, COMPLAINTCTL_LANG nor the locale "
              "chooses one: en or zh."), _language),
        Key("retention.years", "3",
            _("Years after closure that purge keeps a complaint's personal data."),
            _int(1, 100)),
        Key("notify.log_path", "",
            _("Where the default sender appends notifications [default: beside the database]."),
            str),
    ]
    for term, weight in DEFAULT_WEIGHTS.items():
        keys.append(Key(f"urgency.{term}", f"{weight:g}",
                        _("Urgency coefficient of the term '{term}'.").format(term=term), _float))
    return {k.name: k for k in keys}


@dataclass
class Config:
    """The effective configuration: stored values over the defaults, parsed."""

    values: dict[str, Any]
    stored: dict[str, str]
    profiles: dict[str, deadlines.Profile]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def tz(self) -> ZoneInfo:
        return self.values["timezone"]

    def profile(self, name: str | None = None) -> deadlines.Profile:
        name = name or self.values["profile"]
        if name not in self.profiles:
            raise InvalidData(
                _("Clock profile '{name}' is not defined; see `complaintctl config show`.").format(
                    name=name
                )
            )
        return self.profiles[name]

    def calendar(self, profile: deadlines.Profile) -> WorkCalendar:
        key = (profile.calendar, self.values["calendar.extra_holidays"],
               self.values["calendar.extra_workdays"])
        if key not in _CALENDARS:
            _CALENDARS[key] = WorkCalendar(key[0], extra_holidays=key[1], extra_workdays=key[2])
        return _CALENDARS[key]

    @property
    def weights(self) -> dict[str, float]:
        return {t: self.values[f"urgency.{t}"] for t in DEFAULT_WEIGHTS}


def _parse(key: Key, raw: str) -> Any:
    try:
        return key.parse(raw)
    except (ValueError, TypeError, InvalidData):
        raise InvalidData(
            _("'{value}' is not a valid value for {key}: {help}").format(
                value=raw, key=key.name, help=key.help
            )
        ) from None


def load(session: Session) -> Config:
    """The effective configuration (one query)."""
    stored = {row.key: row.value for row in session.exec(select(Setting)).all()}
    keys = _keys()
    values = {}
    for name, key in keys.items():
        raw = stored.get(name)
        try:
            values[name] = key.parse(raw if raw is not None else key.default)
        except (ValueError, TypeError, InvalidData):
            values[name] = key.parse(key.default)
    profiles = dict(deadlines.BUILTIN)
    for name, raw in sorted(stored.items()):
        if name.startswith(PROFILE_PREFIX):
            pname = name[len(PROFILE_PREFIX):]
            profiles[pname] = deadlines.profile_from_dict(pname, json.loads(raw), known=profiles)
    return Config(values=values, stored={k: v for k, v in stored.items() if k in keys},
                  profiles=profiles)


def show(*, session: Session, actor: Actor, machine: bool = False) -> list[dict[str, Any]]:
    """Every key: value, source and meaning; then the profiles. ``machine`` (JSON, CSV): the
    meanings in English whatever the interface language."""
    actor.check(Permission.read)
    with machine_text(machine):
        return _shown(load(session))


def _shown(cfg) -> list[dict[str, Any]]:
    rows = []
    for name, key in _keys().items():
        stored = cfg.stored.get(name)
        rows.append({
            "key": name,
            "value": stored if stored is not None else key.default,
            "source": "database" if stored is not None else "default",
            "help": key.help,
        })
    for name, profile in cfg.profiles.items():
        rows.append({
            "key": f"{PROFILE_PREFIX}{name}",
            "value": json.dumps(profile.to_dict(), ensure_ascii=False, sort_keys=True),
            "source": "built-in" if name in deadlines.BUILTIN else "database",
            "help": deadlines.shipped_text(profile.title),
        })
    return rows


def _write(session: Session, key: str, value: str | None) -> str | None:
    row = session.get(Setting, key)
    old = row.value if row is not None else None
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    return old


def set_value(*, session: Session, actor: Actor, key: str, value: str) -> dict[str, Any]:
    """Set one key (an empty value restores the default); recompute deadlines if they move."""
    with use_case(session, actor, "config set"):
        actor.check(Permission.database)
        keys = _keys()
        if key not in keys:
            raise UsageProblem(
                _("Unknown setting '{key}'; see `complaintctl config show` for the keys "
                  "(profiles are defined with `config load FILE.toml`).").format(key=key)
            )
        spec = keys[key]
        raw = value.strip()
        if raw:
            _parse(spec, raw)
        if key == "profile" and raw:
            load(session).profile(raw)
        old = _write(session, key, raw or None)
        session.flush()
        moved = _recompute(session, actor) if spec.moves_deadlines else []
        audit.record(
            session, kind=EventKind.admin, action="config set", actor=actor.username, at=now(),
            details={"key": key, "old": old, "new": raw or None, "due_changed": moved[:1000],
                     "due_changed_count": len(moved)},
        )
    return {"key": key, "old": old, "new": raw or spec.default, "due_changed": moved}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in data.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict) and full != "profiles":
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = value
    return flat


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def load_file(*, session: Session, actor: Actor, path: Path) -> dict[str, Any]:
    """Set the keys and define the profiles of a TOML file, all or nothing."""
    import tomllib

    with use_case(session, actor, "config load"):
        actor.check(Permission.database)
        from complaintctl.infra.files import file_to_read

        file = file_to_read(path, error=UsageProblem,
                            folder=_("{path} is a folder; give the settings file (TOML)."))
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise UsageProblem(
                _("Cannot read {path}: {problem}.").format(path=path, problem=error.strerror)
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InvalidData(
                _("{path} is not valid TOML: {problem}.").format(path=path, problem=error)
            ) from None
        profiles = data.pop("profiles", {}) or {}
        flat = _flatten(data)
        keys = _keys()
        unknown = sorted(set(flat) - set(keys))
        if unknown:
            raise InvalidData(
                _("{path}: unknown settings {keys}; see `complaintctl config show`.").format(
                    path=path, keys=", ".join(unknown)
                )
            )
        known = dict(deadlines.BUILTIN)
        known.update(load(session).profiles)
        defined = {}
        for name, table in profiles.items():
            if name in deadlines.BUILTIN:
                raise InvalidData(
                    _("{path}: profile {name} is built in; define a profile of another name "
                      "with based_on = \"{name}\".").format(path=path, name=name)
                )
            if not isinstance(table, dict):
                raise InvalidData(_("{path}: profiles.{name} must be a table.").format(
                    path=path, name=name))
            profile = deadlines.profile_from_dict(name, table, known=known)
            known[name] = profile
            defined[name] = table
        changes = {}
        for key, value in flat.items():
            raw = _as_text(value).strip()
            _parse(keys[key], raw)
            changes[key] = raw
        if "profile" in changes and changes["profile"] not in known:
            raise InvalidData(
                _("{path}: profile '{name}' is not defined.").format(
                    path=path, name=changes["profile"]
                )
            )
        old = {}
        for key, raw in changes.items():
            old[key] = _write(session, key, raw)
        for name, table in defined.items():
            old[PROFILE_PREFIX + name] = _write(
                session, PROFILE_PREFIX + name, json.dumps(table, ensure_ascii=False, default=str)
            )
        session.flush()
        moves = bool(defined) or any(keys[k].moves_deadlines for k in changes)
        moved = _recompute(session, actor) if moves else []
        audit.record(
            session, kind=EventKind.admin, action="config load", actor=actor.username, at=now(),
            details={"file": Path(path).name, "set": changes, "profiles": sorted(defined),
                     "due_changed": moved[:1000], "due_changed_count": len(moved)},
        )
    return {"set": changes, "profiles": sorted(defined), "due_changed": moved}


def _recompute(session: Session, actor: Actor) -> list[str]:
    """Recompute the stored due time of every complaint whose clock runs; the numbers moved."""
    from complaintctl.store.models import Complaint
    from complaintctl.services.clock import state as clock

    cfg = load(session)
    moved = []
    query = select(Complaint).where(col(Complaint.status).in_(sorted(deadlines.RUNNING)))
    for complaint in session.exec(query).all():
        if clock.refresh_due(session, complaint, cfg=cfg, at=now()):
            moved.append(complaint.number)
    return moved
