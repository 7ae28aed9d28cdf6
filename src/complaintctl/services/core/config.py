"""Reading the configuration kept in the database: every key, its type and default, and
``load`` (the configuration in force for a session). Changing it is ``services.admin.config``."""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from complaintctl.domain import deadlines, late, money, repeats
from complaintctl.domain.calendars import WorkCalendar, parse_dates
from complaintctl.domain.clock import DEFAULT_TZ
from complaintctl.domain.urgency import DEFAULT_WEIGHTS
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.store.models import Setting

PROFILE_PREFIX = "profiles."
#: the legal floor of retention: records are kept at least 3 years after closure (PBoC Order
#: 2020 No. 5; the ledger and archive of CBIRC Art 28). Configuration can raise it, never lower.
RETENTION_FLOOR_YEARS = 3


class BelowLegalFloor(InvalidData):
    """A retention shorter than the law allows (CBIRC Art 28)."""


def floor_message(what: str) -> str:
    return _("{what} is inside the legal retention floor of {years} years after closure "
             "(CBIRC Art 28 ledger and archive; PBoC Order 2020 No. 5): complaint records "
             "cannot be erased sooner.").format(what=what, years=RETENTION_FLOOR_YEARS)


def _retention_years(value: str) -> int:
    years = _int(1, 100)(value)
    if years < RETENTION_FLOOR_YEARS:
        raise BelowLegalFloor(floor_message(_("retention.years {years}").format(years=years)))
    return years
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


def _span(low: timedelta, high: timedelta) -> Callable[[str], timedelta]:
    """A duration (``30m``, ``12h``, ``90d``) between ``low`` and ``high``."""
    def parse(value: str) -> timedelta:
        span = deadlines.parse_duration(value)
        if not low <= span <= high:
            raise ValueError
        return span

    return parse


def _float(value: str) -> float:
    number = float(value)
    if math.isnan(number) or abs(number) > 1000:
        raise ValueError
    return number


_HOST = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _hosts(value: str) -> tuple[str, ...]:
    """``mx1.bank.example, .bank.example`` -> the host names, lower case."""
    hosts = tuple(h.strip().lower().rstrip(".") for h in value.replace(";", ",").split(",")
                  if h.strip())
    if not all(_HOST.fullmatch(h) for h in hosts):
        raise ValueError
    return hosts


def _ldap_url(value: str) -> str:
    value = value.strip()
    if value and not re.fullmatch(r"ldaps?://[^\s/]+/?", value):
        raise ValueError
    return value


def _dn_template(value: str) -> str:
    if value.strip() and value.count("{user}") != 1:
        raise ValueError
    return value.strip()


def _groups(value: str) -> tuple[tuple[str, str], ...]:
    """``cn=handlers,ou=groups,dc=bank,dc=test=handler; cn=...=supervisor`` -> (DN, role)
    pairs in the order given (the first group a user is in gives the role)."""
    from complaintctl.domain.enums import Role

    pairs = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        dn, _sep, role = part.rpartition("=")
        if "=" not in dn or role.strip() not in {r.value for r in Role}:
            raise ValueError
        pairs.append((dn.strip(), role.strip()))
    return tuple(pairs)


def _names(value: str) -> frozenset[str]:
    return frozenset(n.strip() for n in value.replace(";", ",").split(",") if n.strip())


@dataclass(frozen=True)
class Key:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any]
    moves_deadlines: bool = False


def all_keys() -> dict[str, Key]:
    keys = [*_handling_keys(), *_notice_keys(), *_sign_in_keys()]
    for term, weight in DEFAULT_WEIGHTS.items():
        keys.append(Key(f"urgency.{term}", f"{weight:g}",
                        _("Urgency coefficient of the term '{term}'.").format(term=term), _float))
    return {k.name: k for k in keys}


def _handling_keys() -> list[Key]:
    """The clock, the calendar, compensation, assignment and the SLA check."""
    return [
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
    ]


def _notice_keys() -> list[Key]:
    """Notifications, the language, retention, late registration, repeats, the decision
    notice and the mailbox."""
    return [
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
            _("Years after closure that purge keeps a complaint's personal data (at least 3: "
              "the legal floor)."), _retention_years),
        Key("clock.late_window_days", str(late.DEFAULT_WINDOW_DAYS),
            _("An effective time (--at, or a receipt time given to register) more than this "
              "many days back needs --late-reason and is marked late (1 to {most}).").format(
                most=late.MAX_WINDOW_DAYS), _int(1, late.MAX_WINDOW_DAYS)),
        Key("repeats.window_days", str(repeats.DEFAULT_WINDOW_DAYS),
            _("Complaints closed within this many days are still compared with a new one of the "
              "same customer for a repeat (CBIRC Art 18; open ones always are)."),
            _int(1, 3650)),
        Key("repeats.threshold", str(repeats.DEFAULT_THRESHOLD),
            _("The score (0 to 100) from which an earlier complaint of the same customer is "
              "listed as a possible repeat."), _int(1, 100)),
        Key("notice.language", "zh",
            _("The language of decision notices when resolve gives no --notice-lang: zh or "
              "en."), _language),
        Key("notice.unreachable_attempts", "3",
            _("Recorded attempts to reach a customer after which the decision notice counts as "
              "given (CBIRC Art 21, notify-decision --unreachable)."), _int(1, 20)),
        Key("mail.trusted_hosts", "",
            _("The bank's own mail servers (comma-separated; .bank.example trusts a domain): the "
              "topmost Received header one of them added is when the bank received a message."),
            _hosts),
        Key("mail.date_tolerance_hours", "24",
            _("A sender's Date header further than this from the receipt is flagged (it never "
              "sets the clock)."), _int(1, 8760)),
        Key("notify.log_path", "",
            _("Where the default sender appends notifications [default: beside the database]."),
            str),
    ]


def _sign_in_keys() -> list[Key]:
    """Sessions, the second factor and the directory."""
    return [
        Key("auth.session.idle", "30m",
            _("A sign-in session ends after this long unused (1m to 24h)."),
            _span(timedelta(minutes=1), timedelta(hours=24))),
        Key("auth.session.absolute", "12h",
            _("A sign-in session ends this long after signing in, however used (5m to 30d)."),
            _span(timedelta(minutes=5), timedelta(days=30))),
        Key("auth.mfa.admins", "off",
            _("Admins must sign in with a second factor (a TOTP code; `staff mfa enrol`)."),
            _bool),
        Key("auth.ldap.url", "",
            _("Sign in against this directory (ldap://host:port or ldaps://...) instead of "
              "local passwords [default: none]."), _ldap_url),
        Key("auth.ldap.user_dn", "",
            _("A user's DN in the directory, with {user} for the login name, e.g. "
              "uid={user},ou=people,dc=bank,dc=test."), _dn_template),
        Key("auth.ldap.search_base", "",
            _("Where to search for a user (by auth.ldap.user_attr) when auth.ldap.user_dn is "
              "not set."), str),
        Key("auth.ldap.user_attr", "uid",
            _("The directory attribute holding the login name (uid; sAMAccountName on Active "
              "Directory)."), str),
        Key("auth.ldap.groups", "",
            _("Directory groups that give a role: GROUP_DN=role, separated by ';' (the first "
              "group a user is in decides) [default: the role in complaintctl]."), _groups),
        Key("auth.ldap.local", "",
            _("Staff who keep a complaintctl password while the directory is on (comma-"
              "separated; a break-glass admin)."), _names),
    ]


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


def parse(key: Key, raw: str) -> Any:
    try:
        return key.parse(raw)
    except BelowLegalFloor:
        raise
    except (ValueError, TypeError, InvalidData):
        raise InvalidData(
            _("'{value}' is not a valid value for {key}: {help}").format(
                value=raw, key=key.name, help=key.help
            )
        ) from None


def load(session: Session) -> Config:
    """The effective configuration (one query)."""
    stored = {row.key: row.value for row in session.exec(select(Setting)).all()}
    keys = all_keys()
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
