"""Issue 18: the whole permission matrix of tests/test_permissions_cli.py again, on a database
that requires sign-in: every case run by its player signed in with `complaintctl login` (a
session file in their own config dir, no --as), then through API tokens: with every scope (the
matrix, unchanged: scopes never widen it) and with the `read` scope alone (they narrow it).

Each module builds its own world (the fixture of test_permissions_cli), then makes it require
sign-in, so the allowed cases run once on it.
"""

from __future__ import annotations

import pytest

from authkit import Homes, login, require_sign_in
from conftest import commands_keep_connections
from permission_cases import PLAYER, RECIPES
from test_permissions_cli import dump_rows, events_after, last_seq
from test_permissions_cli import world  # noqa: F401 - the fixture, built for this module


#: the matrix through the CLI runs on both back ends (test_permissions_cli); through sessions
#: it tests identity, not the back end, and takes minutes: the SQLite run's
pytestmark = pytest.mark.once("the permission matrix through signed-in sessions")


@pytest.fixture(scope="module")
def signed_world(world, tmp_path_factory):  # noqa: F811 - the imported fixture
    cli, cases, _impossible = world
    db = cli.database
    require_sign_in(db, sorted(set(PLAYER.values())))
    homes = Homes(tmp_path_factory.mktemp("homes"))
    for user in sorted(set(PLAYER.values())):
        run = login(cli, homes, user)
        assert run.exit_code == 0, run.stderr
    with commands_keep_connections(db):
        yield cli, cases, homes


def run_matrix(cli, cases, env_of) -> list[str]:
    """Every case as test_permissions_cli runs it, but proven by ``env_of(user)`` (a config
    dir holding a session, or COMPLAINTCTL_TOKEN) instead of --as; the failures found."""
    db = cli.database
    failures: list[str] = []
    refused = [c for c in cases if c.extra["expected"]]
    allowed = [c for c in cases if not c.extra["expected"]]
    before = dump_rows(db)
    for case in refused:
        seq = last_seq(db)
        run = cli(*RECIPES[case.command].argv(case), as_=None, env=env_of(case.user))
        want = case.extra["expected"]
        if (run.exit_code, run.stderr, run.stdout) != (4, f"Error: {want}\n", ""):
            failures.append(f"{case.label()}: exit {run.exit_code} {run.stderr!r}, want {want!r}")
        if events_after(db, seq) != [("refusal", case.user, want, 4)]:
            failures.append(f"{case.label()}: audit trail gained {events_after(db, seq)}")
    if _without_sessions(dump_rows(db)) != _without_sessions(before):
        failures.append("a refused command changed the database")
    for case in allowed:
        run = cli(*RECIPES[case.command].argv(case), as_=None, env=env_of(case.user))
        if run.exit_code != 0:
            failures.append(f"{case.label()}: allowed but exit {run.exit_code} {run.stderr!r}")
    print(f"\n{len(cases)} cases signed in ({len(allowed)} allowed, {len(refused)} refused); "
          f"failures: {len(failures)}")
    return failures


def _without_sessions(rows: dict) -> dict:
    """The rows but the sessions' and tokens' (their last use is noted as they are used)."""
    return {table: values for table, values in rows.items()
            if table not in ("sign_in_session", "api_token")}


def test_every_case_of_the_matrix_is_the_same_through_signed_in_sessions(signed_world):
    cli, cases, homes = signed_world
    failures = run_matrix(cli, cases, homes.env)
    assert not failures, "\n".join(failures[:40])
