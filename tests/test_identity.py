"""Issue 18, identity: passwords, sessions, API tokens, --as, lockout, the sign-in modes.

The CLI runs as a real user would: `login` with the password on standard input, a session file
in that user's config dir, COMPLAINTCTL_TOKEN for scripts. Times that matter (expiry, lockout)
are given to the services as the suite's clock does (``clockkit.t``)."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from authkit import PASSWORDS, Homes, api_token, login, require_sign_in, session_token, signed
from clockkit import t
from complaintctl.domain import permissions
from complaintctl.domain.permissions import Permission, parse_scopes, scope_allows
from complaintctl.errors import InvalidData, NotSignedIn, PermissionDenied
from complaintctl.services.identity import acting, lockout, passwords, sessions, tokens
from conftest import PRODUCTION_HASHER, Cli, actor


@pytest.fixture
def homes(tmp_path) -> Homes:
    return Homes(tmp_path / "homes")


@pytest.fixture
def auth(seeded, homes):
    """The seeded database, requiring sign-in; every member of staff has a password."""
    require_sign_in(seeded)
    return Cli(seeded)


def events(db, action: str) -> list[tuple[str, dict]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, details FROM event WHERE action = :a "
                                 "ORDER BY seq"), {"a": action}).all()
    return [(who, json.loads(details)) for who, details in rows]


# --- scopes: pure, no database ------------------------------------------------------------------


def test_a_token_scope_narrows_the_matrix_and_never_widens_it():
    assert scope_allows(None, Permission.staff)
    assert scope_allows(frozenset({"read"}), Permission.read)
    assert not scope_allows(frozenset({"read"}), Permission.register)
    assert scope_allows(frozenset({"import", "read"}), Permission.register)
    # a clerk's token with the admin scope still cannot add staff: the matrix decides
    with pytest.raises(PermissionDenied, match="needs the role admin; zhaolei is a clerk"):
        permissions.check(Permission.staff, role=permissions.Role.clerk, username="zhaolei",
                          staff_branch="BJ01", scopes=frozenset(permissions.TOKEN_SCOPES))
    with pytest.raises(PermissionDenied) as refused:
        permissions.check(Permission.register, role=permissions.Role.admin, username="w",
                          staff_branch=None, scopes=frozenset({"read"}), command="register")
    assert str(refused.value) == ("Permission denied: `register` needs a token with the scope "
                                  "import or register; this token has read.")


def test_every_permission_is_carried_by_some_scope_and_scopes_are_parsed_strictly():
    assert set().union(*permissions.TOKEN_SCOPES.values()) == set(Permission)
    assert parse_scopes(" Import, read ") == frozenset({"import", "read"})
    assert parse_scopes("") is None and parse_scopes(None) is None
    with pytest.raises(InvalidData, match="Unknown token scope 'everything'; the scopes are: "
                                          "read, import,"):
        parse_scopes("read,everything")


def test_the_password_policy_refuses_short_common_and_user_name_passwords():
    for weak in ("short pass", "password123456", "qwertyuiop!!!", "1qaz2wsx3edc",
                 "abcabcabcabc", "passwordpassword", "Administrator1"):
        with pytest.raises(InvalidData):
            passwords.check_policy(weak, "lihua")
    with pytest.raises(InvalidData, match="may not contain the user name"):
        passwords.check_policy("lihua lantern orchard", "lihua")
    passwords.check_policy("tidal orchard lantern", "lihua")
    assert len(passwords.common_passwords()) > 150


# --- modes: --no-auth, pending, enforced ---------------------------------------------------------


def test_a_no_auth_database_believes_as_and_says_so_in_whoami(tmp_path):
    from complaintctl.services.admin.database import open_database

    db = open_database(str(tmp_path / "solo.db"))
    cli = Cli(db)
    assert cli("init", "--admin", "wangfang", "--no-auth", as_=None).exit_code == 0
    run = cli("whoami", "--format", "json", as_="wangfang")
    assert run.exit_code == 0 and run.stderr == ""
    assert json.loads(run.stdout)["mode"] == "open"
    run = cli("whoami", as_="wangfang")
    assert "none: this database was made with --no-auth" in run.stdout
    db.close()


def test_the_demo_is_a_no_auth_database(tmp_path):
    from complaintctl.services.admin.database import open_database
    from complaintctl.services.admin.demo import build

    db = open_database(str(tmp_path / "demo.db"))
    db.create()
    build(db)
    with db.session() as s:
        assert acting.mode(s) is acting.Mode.open
    db.close()


NOTE = ("Note: this database does not check sign-in yet (no admin has a password), so --as is "
        "believed. An admin should run `complaintctl --as ADMIN staff passwd ADMIN`, then "
        "`complaintctl login ADMIN`; from then on everyone signs in.\n")


def test_until_an_admin_has_a_password_as_is_believed_and_every_command_says_so(seeded, homes):
    cli = Cli(seeded)
    with seeded.session(write=True) as s:
        acting.set_mode(s, no_auth=False)
        s.commit()
    run = cli("list", "--format", "json", as_="clerk")
    assert (run.exit_code, run.stderr) == (0, NOTE)
    run = cli("staff", "passwd", "admin", "--password-stdin", as_="admin",
              input=PASSWORDS["admin"] + "\n")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == NOTE + "Your password is changed.\n" + (
        "This database now requires sign-in: run `complaintctl login admin`; set the other "
        "staff's passwords with `complaintctl staff passwd USER`.\n")
    run = cli("list", as_="clerk")
    assert (run.exit_code, run.stderr) == (4, (
        "Error: This database requires sign-in: --as clerk alone does not prove who you are. "
        "Sign in with `complaintctl login clerk`, or give a script an API token in "
        "COMPLAINTCTL_TOKEN.\n"))


def test_an_existing_database_is_marked_to_require_sign_in_by_the_migration(tmp_path):
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.store import schema

    db = Database(resolve_url(str(tmp_path / "old.db")))
    db.path.touch(mode=0o600)
    schema.upgrade(db, "0008")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO staff (username, name, role, active, created_at, senior) "
                          "VALUES ('wangfang', 'W', 'admin', 1, '2026-01-01', 0)"))
    schema.upgrade(db)
    with db.session() as s:
        assert acting.mode(s) is acting.Mode.pending
    run = Cli(db)("staff", "list", "--format", "json", as_="wangfang")
    assert (run.exit_code, run.stderr) == (0, NOTE)
    db.close()


# --- sessions ------------------------------------------------------------------------------------


def test_login_whoami_logout_through_the_cli(auth, homes):
    run = login(auth, homes, "h1")
    assert run.exit_code == 0 and run.stdout == ""
    assert run.stderr.startswith("Signed in as h1 until ")
    path = next((homes.root / "h1" / "complaintctl" / "sessions").iterdir())
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    who = json.loads(signed(auth, homes, "h1", "whoami", "--format", "json").stdout)
    assert (who["user"], who["role"], who["branch"], who["mode"], who["via"]) == (
        "h1", "handler", "BJ01", "enforced", "session")
    assert who["expires_at"] is not None and who["idle_until"] <= who["expires_at"]
    token = path.read_text().strip()
    with auth.database.session() as s:  # only the hash is stored
        stored = s.exec(text("SELECT token_hash FROM sign_in_session")).scalars().all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    run = signed(auth, homes, "h1", "logout")
    assert run.stderr == "Signed out h1; the session is ended in the database.\n"
    assert not path.exists()
    with auth.database.session() as s:
        with pytest.raises(NotSignedIn, match="The session was ended"):
            sessions.verify(s, token)
    assert [who for who, _d in events(auth.database, "logout")] == ["h1"]
    (who, details), = events(auth.database, "sign-in")
    assert who == "h1" and details["client"].startswith("cli ") and "@" in details["client"]


def test_a_clerks_as_admin_is_refused_with_how_to_sign_in(auth, homes):
    assert login(auth, homes, "clerk").exit_code == 0
    run = signed(auth, homes, "clerk", "staff", "add", "x", "--name", "X", "--role", "admin",
                 as_="admin")
    assert (run.exit_code, run.stdout) == (4, "")
    assert run.stderr == (
        "Error: Only a signed-in admin may act as another member of staff; you are signed in "
        "as clerk. Leave out --as (and COMPLAINTCTL_USER), or sign in as admin with "
        "`complaintctl login admin`.\n")
    run = signed(auth, homes, "clerk", "list", "--format", "json", as_="clerk")
    assert run.exit_code == 0  # --as naming oneself is fine


def test_an_admin_acting_as_someone_is_audited_with_both_names(auth, homes):
    assert login(auth, homes, "admin").exit_code == 0
    number = signed(auth, homes, "admin", "register", "--channel", "phone", "--customer", "张伟",
                    "--summary", "年费", "--branch", "BJ01", as_="clerk").stdout.strip()
    assert number.startswith("CMP-")
    (who, details), = events(auth.database, "register")
    assert who == "clerk"
    assert details["delegated_by"] == "admin"
    assert details["delegation"] == "admin acting as clerk"
    who = json.loads(signed(auth, homes, "admin", "whoami", "--format", "json",
                            as_="h1").stdout)
    assert (who["user"], who["signed_in_as"]) == ("h1", "admin")
    # the next command, without --as, is the admin's own again
    signed(auth, homes, "admin", "note", number, "checked")
    (who, details), = events(auth.database, "note")
    assert who == "admin" and "delegated_by" not in details


def _verify(db, token: str, at):
    """One command's check of a session: a session (and a transaction) of its own."""
    with db.session() as s:
        return sessions.verify(s, token, at=at)


def test_a_session_expires_when_idle_and_at_the_absolute_limit(auth):
    db = auth.database
    token = session_token(db, "h1", at=t("2026-12-01T09:00"))
    assert _verify(db, token, t("2026-12-01T09:29")).username == "h1"
    assert _verify(db, token, t("2026-12-01T09:58")).username == "h1"  # its use moved it on
    with pytest.raises(NotSignedIn, match="The session has expired; sign in again"):
        _verify(db, token, t("2026-12-01T10:29"))
    token = session_token(db, "h1", at=t("2026-12-02T09:00"))
    moment = t("2026-12-02T09:00")
    while moment < t("2026-12-02T20:40"):  # used every 20 minutes, up to 21:00: never idle
        moment += timedelta(minutes=20)
        _verify(db, token, moment)
    with pytest.raises(NotSignedIn, match="expired"):
        _verify(db, token, t("2026-12-02T21:00"))  # 12 hours after signing in


def test_the_session_limits_are_configurable(auth, homes):
    assert auth("config", "set", "auth.session.idle", "5m", as_=None,
                env={"COMPLAINTCTL_TOKEN": api_token(auth.database, "admin")}).exit_code == 0
    token = session_token(auth.database, "h1", at=t("2026-12-01T09:00"))
    with pytest.raises(NotSignedIn, match="expired"):
        _verify(auth.database, token, t("2026-12-01T09:06"))
    run = auth("config", "set", "auth.session.idle", "3d", as_=None,
               env={"COMPLAINTCTL_TOKEN": api_token(auth.database, "admin")})
    assert run.exit_code == 5


def _tamper(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def test_revoked_tampered_and_other_database_tokens_are_refused_clearly(auth, homes,
                                                                        database_factory):
    db = auth.database
    cases = {}
    good = api_token(db, "h1")
    cases["tampered"] = _tamper(good)
    cases["cut"] = good[:-5]
    other = database_factory("other")
    from conftest import seed

    seed(other)
    require_sign_in(other, ["admin", "h1"])
    cases["other database"] = api_token(other, "h1")
    revoked = api_token(db, "h1")
    with db.session(write=True) as s:
        row_id = s.exec(text("SELECT MAX(id) FROM api_token")).scalar()
        tokens.revoke(session=s, actor=actor("h1"), token_id=row_id)
    cases["revoked"] = revoked
    expired = api_token(db, "h1", at=t("2026-01-01T09:00"))
    cases["expired"] = expired
    said = {}
    for label, token in cases.items():
        run = auth("list", as_=None, env={"COMPLAINTCTL_TOKEN": token})
        assert (run.exit_code, run.stdout) == (4, ""), label
        assert token not in run.stderr
        said[label] = run.stderr
    assert said["tampered"] == ("Error: The API token is not known to this database (altered, "
                                "or revoked and removed); ask for a new one (`complaintctl "
                                "staff token create`).\n")
    assert said["cut"] == ("Error: The session or API token is not valid: it has been altered "
                           "or cut short. Sign in again with `complaintctl login`, or ask for "
                           "a new token.\n")
    assert said["other database"] == (
        "Error: The session or API token belongs to another database, not this one; sign in "
        "to this database with `complaintctl login`, or use a token made for it.\n")
    assert said["revoked"] == ("Error: The API token 'test' was revoked; ask for a new one "
                               "(`complaintctl staff token create`).\n")
    assert said["expired"] == ("Error: The API token 'test' has expired; ask for a new one "
                               "(`complaintctl staff token create`).\n")
    assert auth("list", as_=None, env={"COMPLAINTCTL_TOKEN": good}).exit_code == 0
    other.close()


def test_a_tampered_or_foreign_session_file_is_refused(auth, homes):
    assert login(auth, homes, "h1").exit_code == 0
    path = next((homes.root / "h1" / "complaintctl" / "sessions").iterdir())
    path.write_text(_tamper(path.read_text().strip()))
    run = signed(auth, homes, "h1", "list")
    assert run.stderr == ("Error: The session is not known to this database (altered, or from "
                          "a copy of it); sign in again with `complaintctl login`.\n")


def test_a_session_file_others_can_read_is_refused_saying_why(auth, homes):
    assert login(auth, homes, "h1").exit_code == 0
    path = next((homes.root / "h1" / "complaintctl" / "sessions").iterdir())
    os.chmod(path, 0o644)
    run = signed(auth, homes, "h1", "list")
    assert (run.exit_code, run.stdout) == (4, "")
    assert run.stderr == (
        f"Error: Refusing the session file {path}: its mode 644 lets others read it, and the "
        "token in it would let them act as you. Run `complaintctl logout`, then "
        "`complaintctl login` again.\n")
    run = signed(auth, homes, "h1", "logout")  # ends that session in the database too
    assert run.exit_code == 0 and not path.exists()
    assert [who for who, _d in events(auth.database, "logout")] == ["h1"]


# --- passwords through the CLI -------------------------------------------------------------------


def test_an_admin_sets_a_first_password_which_is_changed_at_first_sign_in(auth, homes):
    assert login(auth, homes, "admin").exit_code == 0
    run = signed(auth, homes, "admin", "staff", "passwd", "h2", "--password-stdin",
                 input="amber kettle horizon\n")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ("h2's password is set; they choose their own at their first sign-in "
                          "(`complaintctl login h2`).\n")
    run = auth("login", "h2", "--password-stdin", as_=None, input="amber kettle horizon\n",
               env=homes.env("h2"))
    assert run.exit_code == 2  # the new password's line is missing
    run = auth("login", "h2", "--password-stdin", as_=None,
               input="amber kettle horizon\nsilver canyon meadow\n", env=homes.env("h2"))
    assert run.exit_code == 0, run.stderr
    assert run.stderr.startswith("h2's password was set by an admin and must be changed now")
    assert login(auth, homes, "h2", "silver canyon meadow").exit_code == 0
    assert login(auth, homes, "h2", "amber kettle horizon").exit_code == 4


def test_changing_ones_own_password_needs_the_current_one(auth, homes):
    assert login(auth, homes, "h1").exit_code == 0
    run = signed(auth, homes, "h1", "staff", "passwd", "h1", "--password-stdin",
                 input="wrong wrong wrong\nsilver canyon meadow\n")
    assert (run.exit_code, run.stderr) == (
        4, "Error: The current password is wrong; nothing was changed.\n")
    run = signed(auth, homes, "h1", "staff", "passwd", "h1", "--password-stdin",
                 input=PASSWORDS["h1"] + "\nshort\n")
    assert (run.exit_code, run.stderr) == (
        5, "Error: A password needs at least 12 characters; nothing was changed.\n")
    run = signed(auth, homes, "h1", "staff", "passwd", "h2", "--password-stdin",
                 input="silver canyon meadow\n")
    assert run.exit_code == 4  # another's: admins only
    run = signed(auth, homes, "h1", "staff", "passwd", "h1", "--password-stdin",
                 input=PASSWORDS["h1"] + "\nsilver canyon meadow\n")
    assert (run.exit_code, run.stderr) == (0, "Your password is changed.\n")


def test_a_password_is_never_taken_from_an_argument_and_needs_a_terminal_or_stdin(auth):
    run = auth("login", "h1", PASSWORDS["h1"], as_=None)
    assert run.exit_code == 2
    run = auth("login", "h1", as_=None)
    assert (run.exit_code, run.stderr) == (2, (
        "Error: No terminal to ask for the password on; pass --password-stdin and write it on "
        "standard input.\n"))


# --- lockout -------------------------------------------------------------------------------------


def _attempt(db, user: str, password: str, at):
    with db.session(write=True) as s:
        return sessions.sign_in(session=s, username=user, password=password, client="test",
                                at=at)


def test_five_failures_in_fifteen_minutes_lock_the_account_for_fifteen_minutes(auth):
    db = auth.database
    for minute in range(5):
        with pytest.raises(NotSignedIn, match="Wrong user name or password"):
            _attempt(db, "h1", "not the password", t(f"2026-12-01T09:0{minute}"))
    with pytest.raises(NotSignedIn, match="h1 is locked after too many failed sign-ins until "
                                          "09:19"):
        _attempt(db, "h1", PASSWORDS["h1"], t("2026-12-01T09:10"))
    assert _attempt(db, "h1", PASSWORDS["h1"], t("2026-12-01T09:19")).username == "h1"
    assert [d["until"] for _w, d in events(db, "lockout")] == ["2026-12-01T01:19:00+00:00"]
    assert len(events(db, "sign-in failed")) == 5
    assert len(events(db, "sign-in refused: locked")) == 1


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(auth):
    db = auth.database
    for minute in (0, 4, 8, 12, 16, 20):
        with pytest.raises(NotSignedIn, match="Wrong"):
            _attempt(db, "h1", "not the password", t(f"2026-12-01T09:{minute:02d}"))
    assert events(db, "lockout") == []
    assert _attempt(db, "h1", PASSWORDS["h1"], t("2026-12-01T09:21")).username == "h1"


def test_an_unknown_user_fails_alike_and_in_the_same_work(auth, monkeypatch):
    db = auth.database
    checks = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p: checks.append(h) or real(h, p))
    messages = []
    for user in ("h1", "nobody"):
        with pytest.raises(NotSignedIn) as refused:
            _attempt(db, user, "not the password", t("2026-12-01T09:00"))
        messages.append(str(refused.value))
    assert messages[0] == messages[1] == "Wrong user name or password; nothing was signed in."
    assert len(checks) == 2 and checks[0] != checks[1]  # one Argon2 check each
    assert checks[1] == passwords.dummy_hash()
    for minute in range(1, 5):
        with pytest.raises(NotSignedIn):
            _attempt(db, "nobody", "x" * 12, t(f"2026-12-01T09:0{minute}"))
    assert lockout.locked_until(db.session(), "nobody", t("2026-12-01T09:05")) is not None


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_parameters():
    from argon2 import extract_parameters
    from argon2.low_level import Type

    stored = PRODUCTION_HASHER().hash("tidal orchard lantern")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    parameters = extract_parameters(stored)
    assert (parameters.type, parameters.memory_cost, parameters.time_cost,
            parameters.parallelism) == (Type.ID, 65536, 3, 4)
    assert PRODUCTION_HASHER().verify(stored, "tidal orchard lantern")


def test_a_failure_takes_about_as_long_for_an_unknown_user(auth, monkeypatch, request):
    import time

    from complaintctl.services.identity import passwords

    # at the production cost, which is what makes a failure take its time (see conftest)
    monkeypatch.setattr(passwords, "_hasher", PRODUCTION_HASHER)
    passwords.dummy_hash.cache_clear()  # made again at this cost, and cheaply after the test
    request.addfinalizer(passwords.dummy_hash.cache_clear)
    db = auth.database
    with db.session(write=True) as s:
        passwords.set_password(session=s, actor=actor("h1"), username="h1",
                               password=PASSWORDS["h1"], current=PASSWORDS["h1"])
    spent = {}
    for user in ("h1", "nobody", "h1", "nobody"):
        start = time.perf_counter()
        with pytest.raises(NotSignedIn):
            _attempt(db, user, "not the password", t("2026-12-01T09:00"))
        spent.setdefault(user, []).append(time.perf_counter() - start)
    known, unknown = min(spent["h1"]), min(spent["nobody"])
    assert 0.33 < known / unknown < 3, spent


# --- API tokens through the CLI ------------------------------------------------------------------


def test_a_token_is_printed_once_listed_without_itself_and_revoked(auth, homes):
    assert login(auth, homes, "admin").exit_code == 0
    run = signed(auth, homes, "admin", "staff", "token", "create", "h1", "--name", "nightly",
                 "--expires", "90d", "--scope", "read,import")
    assert run.exit_code == 0, run.stderr
    token = run.stdout.strip()
    assert token.startswith("cct_") and len(token) > 43
    assert run.stderr == ("Token 1 'nightly' for h1; it is shown only now. Scripts pass it in "
                          "COMPLAINTCTL_TOKEN.\n")
    listed = signed(auth, homes, "admin", "staff", "token", "list", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["user"], r["name"], r["scopes"]) for r in rows] == [
        (1, "h1", "nightly", "import,read")]
    assert token not in listed.stdout and rows[0]["last_used_at"] is None
    script = {"COMPLAINTCTL_TOKEN": token}
    assert auth("list", "--format", "json", as_=None, env=script).exit_code == 0
    listed = signed(auth, homes, "admin", "staff", "token", "list", "--format", "json")
    assert json.loads(listed.stdout)[0]["last_used_at"] is not None  # noted when used
    run = auth("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
               "--branch", "BJ01", as_=None, env=script)
    assert run.exit_code == 0, run.stderr
    run = auth("note", run.stdout.strip(), "x", as_=None, env=script)
    assert run.stderr == ("Error: Permission denied: `note` needs a token with the scope "
                          "register or handle; this token has import, read.\n")
    run = auth("list", as_="admin", env=script)  # a scoped token delegates nothing
    assert run.exit_code == 4
    run = signed(auth, homes, "admin", "staff", "token", "revoke", "1")
    assert run.stderr == "Token 1 'nightly' is revoked.\n"
    assert auth("list", as_=None, env=script).exit_code == 4
    assert [d["name"] for _w, d in events(auth.database, "staff token create")] == ["nightly"]
    assert [d["token"] for _w, d in events(auth.database, "staff token revoke")] == [1]


def test_anyone_makes_tokens_for_themselves_and_only_an_admin_for_others(auth, homes):
    assert login(auth, homes, "clerk").exit_code == 0
    run = signed(auth, homes, "clerk", "staff", "token", "create", "clerk", "--name", "mine")
    assert run.exit_code == 0
    run = signed(auth, homes, "clerk", "staff", "token", "create", "h1", "--name", "theirs")
    assert run.exit_code == 4
    run = signed(auth, homes, "clerk", "staff", "token", "create", "clerk", "--name", "x",
                 "--expires", "400d")
    assert (run.exit_code, run.stderr) == (
        5, "Error: A token lasts from 1 minute to 366 days (--expires 90d).\n")


def test_every_help_ends_with_who_acts_and_when_as_is_believed(cli):
    import typer

    from complaintctl.cli import app

    def paths(command, path):
        yield path
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from paths(sub, [*path, name])

    footer = ("--as is believed only on a database made with `init --no-auth` (the demo is "
              "one), or for a signed-in admin, audited.")
    seen = 0
    for path in paths(typer.main.get_command(app), []):
        run = cli(*path, "--help", as_=None)
        assert " ".join(run.stdout.split()).endswith(footer), path
        seen += 1
    assert seen > 100


def test_a_write_command_an_hour_into_a_session_notes_its_use_without_waiting(auth, homes):
    """The session's last use is noted in the command's own write transaction (a second
    writer would wait for SQLite's lock until it gave up)."""
    import time

    assert login(auth, homes, "admin").exit_code == 0
    from datetime import datetime, timezone

    from complaintctl.store.models_identity import SignInSession

    with auth.database.session(write=True) as s:  # last used five minutes ago
        row = s.exec(select(SignInSession)).one()
        row.last_used_at = datetime.now(timezone.utc) - timedelta(minutes=5)
        s.add(row)
        s.commit()
    start = time.perf_counter()
    run = signed(auth, homes, "admin", "config", "set", "compensation.threshold", "2000")
    assert run.exit_code == 0, run.stderr
    assert time.perf_counter() - start < 10
    with auth.database.session() as s:
        used = s.exec(select(SignInSession)).one().last_used_at
    assert datetime.now(timezone.utc) - used < timedelta(minutes=1)
