"""Issue 18, directory sign-in: with ``auth.ldap.url`` set, staff sign in by binding to a
real OpenLDAP ``slapd`` the module starts on loopback (ldapkit); the member of staff must exist
in complaintctl; the directory's groups give the role; failures count towards the lockout; the
break-glass accounts of ``auth.ldap.local`` keep their complaintctl password; no password
appears in any output or on the trail. Skipped, saying why, only when slapd is not installed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

import ldapkit
from authkit import PASSWORDS, Homes, login, require_sign_in, signed
from clockkit import t
from complaintctl.errors import DirectoryProblem, NotSignedIn
from complaintctl.services.core.stored import set_setting
from complaintctl.services.identity import sessions
from conftest import Cli

pytestmark = pytest.mark.skipif(ldapkit.missing() is not None,
                                reason=ldapkit.missing() or "")
DIR = ldapkit.DIRECTORY_PASSWORDS
T0 = t("2026-12-01T09:00")


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    server = ldapkit.Slapd(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture
def homes(tmp_path) -> Homes:
    return Homes(tmp_path / "homes")


def configure(db, **values) -> None:
    with db.session(write=True) as s:
        for key, value in values.items():
            set_setting(s, key, value)
        s.commit()


@pytest.fixture
def directory(seeded, slapd):
    """Sign-in required, local passwords for everyone, then the directory switched on with
    admin kept local (the break-glass account)."""
    require_sign_in(seeded)
    configure(seeded, **{"auth.ldap.url": slapd.url,
                         "auth.ldap.user_dn": f"uid={{user}},{ldapkit.PEOPLE}",
                         "auth.ldap.local": "admin"})
    return Cli(seeded)


def events(db, action: str) -> list[tuple[str, dict]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, details FROM event WHERE action = :a "
                                 "ORDER BY seq"), {"a": action}).all()
    return [(who, json.loads(details)) for who, details in rows]


def sign_in(db, user: str, password: str, at=T0):
    with db.session(write=True) as s:
        return sessions.sign_in(session=s, username=user, password=password, client="test",
                                at=at)


def trail_text(db) -> str:
    with db.engine.connect() as conn:
        return "\n".join(str(r) for r in conn.execute(text("SELECT * FROM event")).all())


def test_the_directory_password_signs_in_and_the_local_one_no_longer_does(directory, homes):
    run = login(directory, homes, "h1", DIR["h1"])
    assert run.exit_code == 0 and run.stderr.startswith("Signed in as h1 until "), run.stderr
    who = json.loads(signed(directory, homes, "h1", "whoami", "--format", "json").stdout)
    assert (who["user"], who["role"], who["branch"], who["via"]) == (
        "h1", "handler", "BJ01", "session")
    run = login(directory, homes, "h1", PASSWORDS["h1"])
    assert (run.exit_code, run.stderr) == (
        4, "Error: Wrong user name or password; nothing was signed in.\n")
    # the break-glass admin keeps the complaintctl password, not the directory's
    assert login(directory, homes, "admin").exit_code == 0
    assert login(directory, homes, "admin", DIR["admin"]).exit_code == 4
    assert [w for w, _d in events(directory.database, "sign-in")] == ["h1", "admin"]
    assert len(events(directory.database, "sign-in failed")) == 2
    text_ = trail_text(directory.database)
    assert not any(p in text_ for p in list(DIR.values()) + list(PASSWORDS.values()))


def test_someone_in_the_directory_but_not_on_the_staff_is_refused_alike(directory):
    with pytest.raises(NotSignedIn, match="Wrong user name or password"):
        sign_in(directory.database, "ghost", DIR["ghost"])
    with pytest.raises(NotSignedIn, match="Wrong user name or password"):
        sign_in(directory.database, "nobody", "whatever it is here")


def test_an_empty_password_is_never_an_anonymous_bind(directory):
    with pytest.raises(NotSignedIn, match="Wrong user name or password"):
        sign_in(directory.database, "h1", "")


def test_directory_failures_count_towards_the_lockout(directory):
    db = directory.database
    for minute in range(5):
        with pytest.raises(NotSignedIn, match="Wrong"):
            sign_in(db, "h1", "not the password", T0 + timedelta(minutes=minute))
    with pytest.raises(NotSignedIn, match="h1 is locked"):
        sign_in(db, "h1", DIR["h1"], T0 + timedelta(minutes=6))
    assert sign_in(db, "h1", DIR["h1"], T0 + timedelta(minutes=20)).username == "h1"
    assert len(events(db, "lockout")) == 1


def test_groups_give_the_role_and_a_user_in_none_is_refused(directory, homes):
    groups = "; ".join(f"cn={g},{ldapkit.GROUPS}={r}" for g, r in (
        ("admins", "admin"), ("supervisors", "supervisor"), ("handlers", "handler")))
    assert login(directory, homes, "admin").exit_code == 0
    run = signed(directory, homes, "admin", "config", "set", "auth.ldap.groups", groups)
    assert run.exit_code == 0, run.stderr
    run = login(directory, homes, "h2", DIR["h2"])  # a handler here, a supervisor there
    assert run.exit_code == 0, run.stderr
    who = json.loads(signed(directory, homes, "h2", "whoami", "--format", "json").stdout)
    assert who["role"] == "supervisor"
    (actor, details), = events(directory.database, "staff role from directory")
    assert (actor, details["before"], details["after"]) == ("h2", "handler", "supervisor")
    run = login(directory, homes, "clerk", DIR["clerk"])
    assert (run.exit_code, run.stderr) == (4, (
        "Error: clerk is in none of the directory groups that give a role here (auth.ldap."
        "groups); ask an admin to add them to one. Nothing was signed in.\n"))
    assert len(events(directory.database, "sign-in refused: no group")) == 1


def test_the_user_can_be_found_by_a_search_instead_of_a_template(directory):
    configure(directory.database, **{"auth.ldap.user_dn": "",
                                     "auth.ldap.search_base": ldapkit.SUFFIX})
    assert sign_in(directory.database, "h1", DIR["h1"]).username == "h1"
    with pytest.raises(NotSignedIn, match="Wrong"):
        sign_in(directory.database, "h1*", DIR["h1"])  # the name is escaped in the filter


def test_a_directory_that_does_not_answer_says_so_without_the_password(directory, homes):
    port = ldapkit.free_port()  # nothing listens on it
    configure(directory.database, **{"auth.ldap.url": f"ldap://127.0.0.1:{port}"})
    run = login(directory, homes, "h1", DIR["h1"])
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        f"Error: The directory at ldap://127.0.0.1:{port} does not answer or refused the "
        "request; nobody can sign in through it now. Try again, or ask an admin to check "
        "auth.ldap.*.\n")
    assert DIR["h1"] not in run.stderr
    with pytest.raises(DirectoryProblem):
        sign_in(directory.database, "h1", DIR["h1"])
    assert events(directory.database, "sign-in failed") == []  # not the user's failure


def test_a_directory_users_password_is_not_set_in_complaintctl(directory, homes):
    assert login(directory, homes, "admin").exit_code == 0
    run = signed(directory, homes, "admin", "staff", "passwd", "h1", "--password-stdin",
                 input="a brand new passphrase\n")
    assert (run.exit_code, run.stderr) == (3, (
        "Error: h1 signs in with the directory's password (auth.ldap.url); change it there. "
        "Nothing was changed.\n"))


def test_the_directory_alone_makes_sign_in_required(seeded, slapd, homes):
    """No local password at all: configuring the directory is what turns sign-in on."""
    from complaintctl.services.identity import acting

    with seeded.session(write=True) as s:
        acting.set_mode(s, no_auth=False)
        s.commit()
    cli = Cli(seeded)
    assert cli("whoami", "--format", "json", as_="h1").exit_code == 0  # pending: believed
    run = cli("config", "set", "auth.ldap.url", slapd.url, as_="admin")
    assert run.exit_code == 0, run.stderr
    configure(seeded, **{"auth.ldap.user_dn": f"uid={{user}},{ldapkit.PEOPLE}"})
    run = cli("whoami", as_="h1")
    assert run.exit_code == 4 and "requires sign-in" in run.stderr
    assert login(cli, homes, "admin", DIR["admin"]).exit_code == 0
