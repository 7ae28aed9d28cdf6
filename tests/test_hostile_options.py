"""Every command's options fuzzed with Hypothesis (issue 7, item 8): the command tree is walked
as tests/test_cli_help.py does, and each example runs one command with a random mix of its own
options, hostile values (NUL, escape codes, bytes that are not UTF-8, markup, SQL, formulas,
huge and negative numbers) and real complaint numbers, as a random member of staff. Only our
own outcomes: exit 0-5, one ``Error:`` line on failure (``intake json`` lists each bad record),
never a traceback or an internal error; a command that fails writes no complaint, batch or
change event.

COMPLAINTCTL_FUZZ_EXAMPLES=2000 runs more examples by hand (the suite runs 150)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import MARKUP, SQL, assert_clean_outcome, counts
from test_cli_help import LEAVES, _annotation, _kind

EXAMPLES = int(os.environ.get("COMPLAINTCTL_FUZZ_EXAMPLES", "150"))

#: commands left out, and why
SKIPPED = {
    "demo": "builds a whole demo database per run (seconds)",
    "monitor": "--watch N redraws until interrupted",
    "intake mail": "would dial whatever --imap names",
    "serve": "listens until interrupted (tests/test_web_serve.py runs it as a subprocess)",
}
COMMANDS = [(path, command) for path, command in LEAVES if " ".join(path) not in SKIPPED]
STAFF = ["admin", "sup", "h1", "clerk", "aud", "sup2", "nobody"]

# values carry no "/" and no "~": every path a command writes stays in the test's directory
_hostile = st.sampled_from([
    "", " ", "-", "--", "x", "0", "-1", "1", "2", "99999999999999999999", "1e309", "nan",
    "\x00", "a\x00b", "\x1b[2J", "\x1b]0;title\x07", "\udcff", "\udcc3\udca9", "\u202e",
    "\ufeff", "长" * 20, "x" * 5000, "2026-02-30", "2999-01-01", "1970-01-01T00:00",
    "03/04/2025", "yesterday", "CMP-2026-000001", "CMP-2026-000002", "CMP-9999-999999",
    "BJ01", "SH01", "phone", "email", "upheld", "closed", "json", "csv", "xlsx", "table",
    "=1+1", "@SUM(1)", "1,000.005", "¥1,200.00", "$-5", "1" * 400, "a.csv", "b.toml",
    "all", "2026-Q3", "2026-W53", "7d", "0d", "h1", "sup", "clerk:1", "fee_refund:-5",
    *MARKUP, *SQL,
])
_free = st.text(st.characters(blacklist_characters="/~", blacklist_categories=["Cs"]),
                max_size=12)
_value = st.one_of(_hostile, _hostile, _free)


_numbers = st.sampled_from(["CMP-2026-000001", "CMP-2026-000002", "CMP-2026-999999", "1"])


def _for(param, draw) -> str:
    """A value for ``param``: usually one its type accepts (to get past the parser), else
    anything hostile."""
    if draw(st.integers(0, 4)) == 0:
        return draw(_value)
    if param.name in ("number", "into", "other"):
        return draw(_numbers)
    kind = _kind(param)
    if kind == "choice":
        return draw(st.sampled_from([member.value for member in _annotation(param)]))
    if kind == "number":
        return str(draw(st.sampled_from([0, 1, 2, 3, -1, 10**12, 2**63])))
    return draw(_value)


@st.composite
def invocations(draw):
    """A command with its required arguments and options given (so most runs get past the
    parser into the service), then some of its other options, with hostile values."""
    path, command = draw(st.sampled_from(COMMANDS))
    words = []
    for param in command.params:
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                words += [_for(param, draw) for _ in range(max(1, param.nargs))]
        elif param.required:
            words += [param.opts[0], _for(param, draw)]
    optional = [p for p in command.params if p.param_type_name == "option" and not p.required]
    for param in draw(st.lists(st.sampled_from(optional), max_size=4)) if optional else []:
        words.append(draw(st.sampled_from(param.opts)))
        if not param.is_flag:
            words.append(_for(param, draw))
    if draw(st.integers(0, 9)) == 0:  # now and then something the parser must refuse
        words.insert(draw(st.integers(0, len(words))), draw(_value))
    return path, words, draw(st.sampled_from(STAFF))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(invocation=invocations())
def test_every_command_fuzzed_gets_our_own_outcome(cli, tmp_path, monkeypatch, invocation):
    monkeypatch.chdir(tmp_path)
    if not hasattr(cli, "primed"):  # two complaints to act on; one assigned, investigating
        for summary in ("first", "second"):
            cli("register", "--channel", "phone", "--customer", "x", "--summary", summary,
                as_="clerk")
        cli("assign", "CMP-2026-000001", "--to", "h1", as_="sup")
        cli("investigate", "CMP-2026-000001", as_="h1")
        cli("plan", "show", as_="admin")  # the default plan is stored on first use, by design
        cli.primed = True
    path, words, user = invocation
    before = counts(cli.database)
    run = cli(*path, *words, as_=user, input="")
    where = f"complaintctl --as {user} {' '.join(path)} {words!r}"
    assert_clean_outcome(run, where, one_error=path != ["intake", "json"])
    if run.exit_code != 0:
        assert counts(cli.database) == before, where


def test_a_value_longer_than_its_column_is_invalid_data_on_every_back_end(cli):
    """Found on PostgreSQL, which enforces column lengths (SQLite does not): a long customer
    name failed in the database (exit 1); register now checks, and any other command's value
    too long for PostgreSQL is invalid data (exit 5), not a database failure."""
    from conftest import BACKEND

    run = cli("register", "--channel", "phone", "--customer", "x" * 201, "--summary", "y",
              as_="clerk")
    assert (run.exit_code, run.stderr) == (
        5, "Error: customer is longer than 200 characters (it has 201); shorten it\n")
    number = cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
                 as_="clerk").stdout.strip()
    cli("assign", number, "--to", "h1", as_="sup")
    cli("investigate", number, as_="h1")
    before = counts(cli.database)
    run = cli("consult", number, "--department", "d" * 101, "--question", "q", as_="h1")
    if BACKEND == "postgresql":
        assert run.exit_code == 5
        assert run.stderr == ("Error: A value is longer than the database allows (value too "
                              "long for type character varying(100)); shorten it.\n")
        assert counts(cli.database) == before
    else:
        assert run.exit_code == 0, run.stderr
