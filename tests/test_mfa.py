"""Issue 18, the second factor (TOTP): enrolment prints the secret once and stores it
encrypted; sign-in asks for a code of an enrolled user, accepts the step either side, never the
same code twice, and counts wrong codes towards the lockout; ``auth.mfa.admins`` requires it of
admins; an admin resets it. Codes are computed with pyotp from the secret, at the times the
services are given (the suite's clock, ``clockkit.t``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from authkit import PASSWORDS, Homes, login, require_sign_in, signed
from clockkit import t
from complaintctl.errors import (
    EnrolmentRequired,
    InvalidData,
    NotSignedIn,
    SecondFactorRequired,
    TransitionNotAllowed,
)
from complaintctl.services.identity import mfa, sessions
from conftest import Cli

T0 = t("2026-12-01T09:00")


@pytest.fixture
def homes(tmp_path) -> Homes:
    return Homes(tmp_path / "homes")


@pytest.fixture
def auth(seeded, homes):
    require_sign_in(seeded)
    return Cli(seeded)


def events(db, action: str) -> list[tuple[str, dict]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, details FROM event WHERE action = :a "
                                 "ORDER BY seq"), {"a": action}).all()
    return [(who, json.loads(details)) for who, details in rows]


def code_at(secret: str, moment) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrol(db, user: str, at=T0) -> str:
    secret = mfa.new_secret()
    with db.session(write=True) as s:
        mfa.enrol(session=s, username=user, password=PASSWORDS[user], secret=secret,
                  code=code_at(secret, at), client="test", at=at)
    return secret


def sign_in(db, user: str, code: str | None, at):
    with db.session(write=True) as s:
        return sessions.sign_in(session=s, username=user, password=PASSWORDS[user],
                                code=code, client="test", at=at)


def test_enrol_through_the_cli_prints_the_secret_once_and_stores_it_encrypted(auth):
    """A real subprocess: the secret is read from its output and the code computed from it,
    as the user's app would."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "complaintctl", "--db", auth.database.url, "staff", "mfa",
         "enrol", "h1", "--password-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env)
    proc.stdin.write(PASSWORDS["h1"] + "\n")
    proc.stdin.flush()
    uri = proc.stdout.readline().strip()
    secret = proc.stdout.readline().strip()
    assert uri == pyotp.TOTP(secret).provisioning_uri(name="h1", issuer_name="complaintctl")
    assert uri.startswith("otpauth://totp/complaintctl:h1?secret=" + secret)
    out, err = proc.communicate(pyotp.TOTP(secret).now() + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert out == "" and err.endswith(
        "h1's second factor is enrolled; each sign-in asks for a code from now on.\n")
    with auth.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_enc FROM mfa_secret")).scalars().all()
        dumped = "\n".join(str(r) for r in conn.execute(text("SELECT * FROM event")).all())
    assert len(stored) == 1 and secret not in stored[0] and stored[0].startswith("v1:")
    assert secret not in dumped
    (who, details), = events(auth.database, "mfa enrol")
    assert who == "h1" and set(details) == {"client"}


def test_login_asks_for_the_code_and_refuses_it_a_second_time(auth, homes):
    secret = enrol(auth.database, "h1", at=T0.replace(year=2026, month=11))
    code = pyotp.TOTP(secret).now()
    run = auth("login", "h1", "--password-stdin", as_=None, input=PASSWORDS["h1"] + "\n",
               env=homes.env("h1"))
    assert (run.exit_code, run.stderr) == (2, (
        "Error: Standard input ended before the code; write it on the line after the "
        "password.\n"))
    run = login(auth, homes, "h1", PASSWORDS["h1"] + "\n" + code)
    assert run.exit_code == 0 and run.stderr.startswith("Signed in as h1 until "), run.stderr
    assert signed(auth, homes, "h1", "whoami", "--format", "json").exit_code == 0
    again = login(auth, homes, "h1", PASSWORDS["h1"] + "\n" + code)  # a replay
    assert (again.exit_code, again.stderr) == (4, (
        "Error: The code is wrong, or was used already; nothing was signed in. Wait for the "
        "next code of your authenticator app.\n"))
    assert [d.get("factor") for _w, d in events(auth.database, "sign-in failed")] == ["code"]


def test_a_code_is_accepted_one_step_either_side_and_never_for_an_earlier_step(auth):
    db = auth.database
    secret = enrol(db, "h1", at=T0)
    step = timedelta(seconds=30)
    later = T0 + timedelta(minutes=10)
    for off in (-2, 2):
        with pytest.raises(NotSignedIn, match="The code is wrong"):
            sign_in(db, "h1", code_at(secret, later + off * step), later)
    assert sign_in(db, "h1", code_at(secret, later - step), later).username == "h1"
    assert sign_in(db, "h1", code_at(secret, later + step), later).username == "h1"
    # the step after an accepted one only: the current step's code is earlier than +1's
    with pytest.raises(NotSignedIn, match="used already"):
        sign_in(db, "h1", code_at(secret, later), later)
    # the enrolment's own code cannot sign in either
    with pytest.raises(NotSignedIn, match="used already"):
        sign_in(db, "h1", code_at(secret, T0), T0)
    with pytest.raises(SecondFactorRequired, match="h1 signs in with a code"):
        sign_in(db, "h1", None, later + 4 * step)


def test_wrong_codes_count_towards_the_lockout(auth):
    db = auth.database
    secret = enrol(db, "h1", at=T0)
    for minute in range(1, 6):
        with pytest.raises(NotSignedIn, match="The code is wrong"):
            sign_in(db, "h1", "000000" if code_at(secret, T0) != "000000" else "111111",
                    T0 + timedelta(minutes=minute))
    at = T0 + timedelta(minutes=6)
    with pytest.raises(NotSignedIn, match="h1 is locked after too many failed sign-ins"):
        sign_in(db, "h1", code_at(secret, at), at)
    assert len(events(db, "lockout")) == 1
    at = T0 + timedelta(minutes=21)
    assert sign_in(db, "h1", code_at(secret, at), at).username == "h1"


def test_admins_must_enrol_when_auth_mfa_admins_is_on(auth, homes):
    assert login(auth, homes, "admin").exit_code == 0
    assert signed(auth, homes, "admin", "config", "set", "auth.mfa.admins", "on").exit_code == 0
    run = login(auth, homes, "admin")
    assert (run.exit_code, run.stdout) == (3, "")
    assert run.stderr == (
        "Error: Admins sign in with a second factor here (auth.mfa.admins) and admin has none: "
        "enrol with `complaintctl staff mfa enrol admin`, then sign in.\n")
    assert len(events(auth.database, "sign-in refused: no mfa")) == 1
    assert login(auth, homes, "h1").exit_code == 0  # not an admin: the password suffices
    secret = enrol(auth.database, "admin", at=T0)
    run = login(auth, homes, "admin", PASSWORDS["admin"] + "\n" + pyotp.TOTP(secret).now())
    assert run.exit_code == 0, run.stderr


def test_an_admin_resets_a_second_factor_and_no_one_else_may(auth, homes):
    db = auth.database
    enrol(db, "h1", at=T0)
    assert login(auth, homes, "clerk").exit_code == 0
    run = signed(auth, homes, "clerk", "staff", "mfa", "reset", "h1")
    assert run.exit_code == 4 and "needs the role admin" in run.stderr
    assert login(auth, homes, "admin").exit_code == 0
    run = signed(auth, homes, "admin", "staff", "mfa", "reset", "h1")
    assert run.exit_code == 0 and run.stderr == (
        "h1's second factor is removed; they enrol again with `complaintctl staff mfa enrol "
        "h1`.\n")
    run = signed(auth, homes, "admin", "staff", "mfa", "reset", "h1")
    assert (run.exit_code, run.stderr) == (1, (
        "Error: h1 has no second factor to reset; see `complaintctl staff list`.\n"))
    assert sign_in(db, "h1", None, T0 + timedelta(hours=1)).username == "h1"
    assert ("admin", "h1") in [(w, d.get("staff")) for w, d in events(db, "staff mfa reset")]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mfa_secret")).scalar() == 0


def test_enrolment_is_refused_twice_with_a_wrong_code_or_a_wrong_password(auth):
    db = auth.database
    secret = mfa.new_secret()
    with db.session(write=True) as s, pytest.raises(InvalidData, match="does not match"):
        mfa.enrol(session=s, username="h2", password=PASSWORDS["h2"], secret=secret,
                  code="12345x", client="test", at=T0)
    with db.session(write=True) as s, pytest.raises(NotSignedIn, match="Wrong user name"):
        mfa.enrol(session=s, username="h2", password="not the password", secret=secret,
                  code=code_at(secret, T0), client="test", at=T0)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mfa_secret")).scalar() == 0
    assert len(events(db, "sign-in failed")) == 1  # the wrong password counted
    enrol(db, "h2", at=T0)
    with db.session(write=True) as s, pytest.raises(TransitionNotAllowed,
                                                    match="has a second factor already"):
        mfa.enrol(session=s, username="h2", password=PASSWORDS["h2"], secret=secret,
                  code=code_at(secret, T0), client="test", at=T0)


def test_enrolment_on_a_no_auth_database_is_refused(cli):
    secret = mfa.new_secret()
    with cli.database.session(write=True) as s, pytest.raises(TransitionNotAllowed,
                                                              match="--no-auth"):
        mfa.enrol(session=s, username="h1", password="x" * 12, secret=secret,
                  code=code_at(secret, T0), client="test", at=T0)


def test_an_enrolled_user_without_a_code_is_not_signed_in_and_nothing_is_counted(auth):
    db = auth.database
    enrol(db, "h1", at=T0)
    with pytest.raises(SecondFactorRequired):
        sign_in(db, "h1", None, T0 + timedelta(minutes=1))
    assert events(db, "sign-in failed") == [] and events(db, "sign-in") == []


def test_an_admin_not_enrolled_cannot_sign_in_through_the_service_either(auth):
    with auth.database.session(write=True) as s:
        from complaintctl.services.core.stored import set_setting

        set_setting(s, "auth.mfa.admins", "on")
        s.commit()
    with pytest.raises(EnrolmentRequired):
        sign_in(auth.database, "admin", None, T0)
