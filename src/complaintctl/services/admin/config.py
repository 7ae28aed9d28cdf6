"""Configuration kept in the database, so every clerk works to the same rules.

``config show`` lists every key with its value and where it comes from (default or database);
``config set KEY VALUE`` changes one (an empty value goes back to the default); ``config load
FILE.toml`` sets many keys and defines custom clock profiles at once. Every change is audited,
and a change that moves deadlines (time zone, calendar overrides, a profile's rules) recomputes
the stored ``due_at`` of every complaint whose clock runs, in the same transaction.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _, machine_text
from complaintctl.store.models import Setting
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, use_case

from complaintctl.services.core.config import PROFILE_PREFIX, Key, all_keys, load, parse


def show(*, session: Session, actor: Actor, machine: bool = False) -> list[dict[str, Any]]:
    """Every key: value, source and meaning; then the profiles. ``machine`` (JSON, CSV): the
    meanings in English whatever the interface language."""
    actor.check(Permission.read)
    with machine_text(machine):
        return _shown(load(session))


def _shown(cfg) -> list[dict[str, Any]]:
    rows = []
    for name, key in all_keys().items():
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
        keys = all_keys()
        if key not in keys:
            raise UsageProblem(
                _("Unknown setting '{key}'; see `complaintctl config show` for the keys "
                  "(profiles are defined with `config load FILE.toml`).").format(key=key)
            )
        spec = keys[key]
        raw = value.strip()
        if raw:
            parse(spec, raw)
        if key == "profile" and raw:
            load(session).profile(raw)
        old = _write(session, key, raw or None)
        session.flush()
        moved = _recompute(session, actor) if spec.moves_deadlines else []
        audit.record(
            session, kind=EventKind.admin, action="config set", actor=actor.username, at=now(),
            details={"key": key, "old": old, "new": raw or None, "due_changed": moved[:1000],
                     "due_changed_count": len(moved)}, covers=moved,
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
    with use_case(session, actor, "config load"):
        actor.check(Permission.database)
        data = _read_toml(path)
        profiles = data.pop("profiles", {}) or {}
        flat = _flatten(data)
        keys = all_keys()
        unknown = sorted(set(flat) - set(keys))
        if unknown:
            raise InvalidData(
                _("{path}: unknown settings {keys}; see `complaintctl config show`.").format(
                    path=path, keys=", ".join(unknown)
                )
            )
        known, defined = _defined_profiles(session, profiles, path)
        changes = _checked_changes(flat, keys, known, path)
        for key, raw in changes.items():
            _write(session, key, raw)
        for name, table in defined.items():
            _write(session, PROFILE_PREFIX + name,
                   json.dumps(table, ensure_ascii=False, default=str))
        session.flush()
        moves = bool(defined) or any(keys[k].moves_deadlines for k in changes)
        moved = _recompute(session, actor) if moves else []
        audit.record(
            session, kind=EventKind.admin, action="config load", actor=actor.username, at=now(),
            details={"file": Path(path).name, "set": changes, "profiles": sorted(defined),
                     "due_changed": moved[:1000], "due_changed_count": len(moved)},
            covers=moved,
        )
    return {"set": changes, "profiles": sorted(defined), "due_changed": moved}


def _read_toml(path: Path) -> dict[str, Any]:
    """The settings file's TOML, or a refusal saying why it cannot be read or parsed."""
    import tomllib

    from complaintctl.infra.files import file_to_read

    file = file_to_read(path, error=UsageProblem,
                        folder=_("{path} is a folder; give the settings file (TOML)."))
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageProblem(
            _("Cannot read {path}: {problem}.").format(path=path, problem=error.strerror)
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidData(
            _("{path} is not valid TOML: {problem}.").format(path=path, problem=error)
        ) from None


def _defined_profiles(session: Session, profiles: dict[str, Any], path: Path
                      ) -> tuple[dict[str, deadlines.Profile], dict[str, dict]]:
    """The file's ``[profiles.NAME]`` tables checked in order (a profile may be based on one
    defined before it): every profile then known, and the tables of those the file defines."""
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
    return known, defined


def _checked_changes(flat: dict[str, Any], keys: dict[str, Key], known: dict[str, Any],
                     path: Path) -> dict[str, str]:
    """The file's settings as the text stored, each checked (a profile named must be known)."""
    changes = {}
    for key, value in flat.items():
        raw = _as_text(value).strip()
        parse(keys[key], raw)
        changes[key] = raw
    if "profile" in changes and changes["profile"] not in known:
        raise InvalidData(
            _("{path}: profile '{name}' is not defined.").format(
                path=path, name=changes["profile"]
            )
        )
    return changes


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
