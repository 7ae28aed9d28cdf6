"""The one settings object: every environment variable the code reads is declared there, and
nothing outside settings.py reads the environment."""

from __future__ import annotations

import re
from pathlib import Path

from complaintctl import settings as settings_module
from complaintctl.settings import VARIABLES, Settings, from_environ, settings

SRC = Path(settings_module.__file__).resolve().parent


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_every_complaintctl_variable_named_in_src_is_declared_in_settings():
    declared = {v.name for v in VARIABLES}
    named = {name for _path, text in _sources()
             for name in re.findall(r"COMPLAINTCTL_[A-Z0-9_]+", text)}
    assert named, "the scan found no variable at all"
    assert named <= declared, sorted(named - declared)
    assert {n for n in declared if n.startswith("COMPLAINTCTL_")} <= named  # none stale


def test_only_settings_reads_the_environment():
    readers = sorted(str(path.relative_to(SRC)) for path, text in _sources()
                     if path.name != "settings.py"
                     and re.search(r"os\.environ\.get|os\.getenv|environ\[\"COMPLAINTCTL", text))
    assert readers == [], readers


def test_values_come_from_the_environment_when_asked(monkeypatch):
    monkeypatch.setenv("COMPLAINTCTL_DB_ATTEMPTS", "3")
    monkeypatch.setenv("COMPLAINTCTL_USER", "")
    monkeypatch.setenv("COMPLAINTCTL_DEBUG", "1")
    assert (settings.db_attempts, settings.user, settings.debug) == (3, None, True)
    monkeypatch.setenv("COMPLAINTCTL_DB_ATTEMPTS", "many")
    assert settings.db_attempts is None
    given = {"COMPLAINTCTL_SMTP": "smtp://h:25", "LC_MESSAGES": "zh_CN.UTF-8"}
    assert from_environ(given).smtp_url == "smtp://h:25"
    assert Settings(given).locale == "zh_CN.UTF-8" and Settings({}).locale is None
    assert from_environ(None) is settings
