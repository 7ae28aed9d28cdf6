"""The one settings object: every environment variable complaintctl reads, read here.

``settings`` reads the process environment when a value is asked for (not once at import), so
a variable set before a command runs, by a test or by the shell, is the one it sees; a
function that takes an ``environ=`` mapping (tests give one) reads it through
``from_environ(environ)``. ``VARIABLES`` lists them with what each sets and its default: the
README's table, and a test checks that every ``COMPLAINTCTL_`` name in ``src/`` is one of them.

Shared by every layer, like ``errors`` and ``i18n``: it imports nothing of the project and
nothing outside the standard library, so ``--help`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variable:
    """An environment variable: its name, what it sets and its default (as documented)."""

    name: str
    sets: str
    default: str


VARIABLES = (
    Variable("COMPLAINTCTL_DB", "The database: a file path or an SQLAlchemy URL (`--db` "
             "overrides it)", "`complaints.db` in the per-user app dir"),
    Variable("COMPLAINTCTL_USER", "The acting member of staff (`--as` overrides it; empty "
             "counts as unset)", "the OS login"),
    Variable("COMPLAINTCTL_TOKEN", "An API token that proves who acts, for scripts (`staff "
             "token create`); never put it on a command line", "unset: the session of "
             "`complaintctl login`"),
    Variable("XDG_CONFIG_HOME", "The per-user config dir: session tokens are kept in "
             "`complaintctl/sessions/` under it", "`~/.config`"),
    Variable("COMPLAINTCTL_LANG", "The interface language, `en` or `zh` (`--lang` overrides "
             "it)", "the locale, else the database's `language` setting, else `en`"),
    Variable("LC_ALL, LC_MESSAGES, LANG", "The locale, the first one set: its language when "
             "neither `--lang` nor `COMPLAINTCTL_LANG` chose one (`C`/`POSIX` name none)",
             "none"),
    Variable("COMPLAINTCTL_DEBUG", "Any non-empty value: an internal error shows its "
             "traceback instead of one line", "unset"),
    Variable("COMPLAINTCTL_DB_ATTEMPTS", "How many times a command that lost a deadlock or a "
             "serialization check is run (while nothing of it was saved)", "8"),
    Variable("COMPLAINTCTL_EVIDENCE_DIR", "Where evidence files are kept", "`DB.evidence/` "
             "beside a database file"),
    Variable("COMPLAINTCTL_REPORT_DB", "A read replica's URL for lists and reports "
             "(read-only)", "unset: the primary"),
    Variable("COMPLAINTCTL_SMTP", "Send notifications by SMTP: `smtp://user:pass@host:port"
             "?starttls=1` or `smtps://...`", "unset: the notifications log file"),
    Variable("COMPLAINTCTL_SMTP_FROM", "The From address of notifications (overrides the "
             "`notify.from` setting)", "`notify.from`, `complaintctl@localhost`"),
    Variable("COMPLAINTCTL_PUBLIC_URL", "The address customers reach `complaintctl serve` at "
             "(the acknowledgement links to its status page)", "`http://HOST:PORT` of "
             "`serve`"),
    Variable("COMPLAINTCTL_IMAP_PASSWORD", "The IMAP password of `intake mail --imap` (never "
             "taken from the command line)", "none: required with `--imap`"),
)

#: the locale's variables, in the order the first one set wins
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class Settings:
    """The values of ``VARIABLES`` in ``environ`` (the process's when None); an unset or empty
    variable is None (``debug``: False)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def _get(self, name: str) -> str | None:
        value = (os.environ if self._environ is None else self._environ).get(name)
        return value or None

    @property
    def db(self) -> str | None:
        return self._get("COMPLAINTCTL_DB")

    @property
    def user(self) -> str | None:
        return self._get("COMPLAINTCTL_USER")

    @property
    def token(self) -> str | None:
        return self._get("COMPLAINTCTL_TOKEN")

    @property
    def config_dir(self) -> Path:
        """``$XDG_CONFIG_HOME/complaintctl``, else ``~/.config/complaintctl``."""
        base = self._get("XDG_CONFIG_HOME")
        home = self._get("HOME")
        root = Path(base) if base else (Path(home) if home else Path.home()) / ".config"
        return root / "complaintctl"

    @property
    def lang(self) -> str | None:
        return self._get("COMPLAINTCTL_LANG")

    @property
    def locale(self) -> str | None:
        """The first of LC_ALL, LC_MESSAGES and LANG that is set."""
        for name in LOCALE_VARIABLES:
            value = self._get(name)
            if value:
                return value
        return None

    @property
    def debug(self) -> bool:
        return self._get("COMPLAINTCTL_DEBUG") is not None

    @property
    def db_attempts(self) -> int | None:
        """COMPLAINTCTL_DB_ATTEMPTS as a number; None when unset or not a whole number."""
        value = self._get("COMPLAINTCTL_DB_ATTEMPTS")
        try:
            return None if value is None else int(value)
        except ValueError:
            return None

    @property
    def evidence_dir(self) -> str | None:
        return self._get("COMPLAINTCTL_EVIDENCE_DIR")

    @property
    def report_db(self) -> str | None:
        return self._get("COMPLAINTCTL_REPORT_DB")

    @property
    def smtp_url(self) -> str | None:
        return self._get("COMPLAINTCTL_SMTP")

    @property
    def smtp_from(self) -> str | None:
        return self._get("COMPLAINTCTL_SMTP_FROM")

    @property
    def public_url(self) -> str | None:
        return self._get("COMPLAINTCTL_PUBLIC_URL")

    @property
    def imap_password(self) -> str | None:
        return self._get("COMPLAINTCTL_IMAP_PASSWORD")


def hand_down(values: Mapping[str, str | None]) -> None:
    """Put ``values`` (variables of ``VARIABLES``) into this process's environment, for the
    processes it starts (``serve``'s workers read the database and the user there)."""
    names = {v.name for v in VARIABLES}
    for name, value in values.items():
        if name not in names:
            raise KeyError(name)
        if value is not None:
            os.environ.update({name: value})


#: the process's settings, read from its environment when asked
settings = Settings()


def from_environ(environ: Mapping[str, str] | None = None) -> Settings:
    """``settings``, or the settings that ``environ`` holds when one is given."""
    return settings if environ is None else Settings(environ)
