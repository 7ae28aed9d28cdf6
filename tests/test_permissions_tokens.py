"""Issue 18: the permission matrix through API tokens (COMPLAINTCTL_TOKEN). A token with only
`read` lets only reads through and refuses the rest with exit 4, changing nothing; a token with
every scope is the matrix exactly (scopes never widen what its user may do: a clerk's token
with the admin scope is still a clerk's). The read-only pass runs first: it changes nothing."""

from __future__ import annotations

import pytest

from authkit import api_token, require_sign_in
from complaintctl.domain.permissions import TOKEN_SCOPES, Permission, scopes_for
from complaintctl.i18n import labels
from conftest import commands_keep_connections
from permission_cases import PLAYER, RECIPES
from test_permissions_cli import dump_rows, events_after, last_seq, needs_of, typed
from test_permissions_cli import world  # noqa: F401 - the fixture, built for this module
from test_permissions_signed_in import run_matrix


@pytest.fixture(scope="module")
def token_world(world):  # noqa: F811 - the imported fixture
    cli, cases, _impossible = world
    db = cli.database
    users = sorted(set(PLAYER.values()))
    require_sign_in(db, users)
    every = {u: api_token(db, u, scopes=",".join(TOKEN_SCOPES)) for u in users}
    reads = {u: api_token(db, u, scopes="read") for u in users}
    with commands_keep_connections(db):
        yield cli, cases, every, reads


def _scope_refusals(command: str) -> set[str]:
    """What a read-only token's refusal of ``command`` may say: the scope one of each
    permission it needs beyond read (whichever the command checks first)."""
    return {f"Permission denied: `{typed(command, p)}` needs a token with the scope "
            f"{labels(scopes_for(Permission(p)))}; this token has read."
            for p in needs_of(command) if p != "read"}


@pytest.mark.once("the permission matrix through API tokens")
def test_a_read_only_token_lets_reads_through_and_refuses_the_rest_changing_nothing(
        token_world):
    cli, cases, _every, reads = token_world
    db = cli.database
    before = dump_rows(db)
    failures, ran = [], {"allowed": 0, "refused": 0}
    for case in cases:
        env = {"COMPLAINTCTL_TOKEN": reads[case.user]}
        if set(needs_of(case.command)) == {"read"} and not case.extra["expected"]:
            ran["allowed"] += 1
            run = cli(*RECIPES[case.command].argv(case), as_=None, env=env)
            if run.exit_code != 0:
                failures.append(f"{case.label()}: a read refused: {run.stderr!r}")
            continue
        ran["refused"] += 1
        seq = last_seq(db)
        run = cli(*RECIPES[case.command].argv(case), as_=None, env=env)
        said = run.stderr.removeprefix("Error: ").removesuffix("\n")
        allowed_words = _scope_refusals(case.command) | {case.extra["expected"]}
        if (run.exit_code, run.stdout) != (4, "") or said not in allowed_words:
            failures.append(f"{case.label()}: exit {run.exit_code} {run.stderr!r}")
        if events_after(db, seq) != [("refusal", case.user, said, 4)]:
            failures.append(f"{case.label()}: audit trail gained {events_after(db, seq)}")
    after = dump_rows(db)
    assert {k: v for k, v in after.items() if k != "api_token"} == \
        {k: v for k, v in before.items() if k != "api_token"}, "a refusal changed something"
    print(f"\nread-only tokens: {ran['allowed']} reads allowed, {ran['refused']} refused")
    assert ran["allowed"] > 50 and ran["refused"] > 300
    assert not failures, "\n".join(failures[:40])


@pytest.mark.once("the permission matrix through API tokens")
def test_a_token_with_every_scope_is_the_matrix_exactly(token_world):
    cli, cases, every, _reads = token_world
    failures = run_matrix(cli, cases, lambda user: {"COMPLAINTCTL_TOKEN": every[user]})
    assert not failures, "\n".join(failures[:40])
