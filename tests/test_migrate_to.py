"""db migrate-to: a branch's SQLite database copied into the central PostgreSQL, numbers and
audit chain kept, collisions refused, counts and the chain verified. The copy logic is also
run SQLite to SQLite, so it is tested where no PostgreSQL server exists."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from complaintctl.store.db import Database, resolve_url
from complaintctl.services.admin.demo import build
from conftest import Cli, seed
from tampering import disarm

TABLES_OF_A_BRANCH = ["complaint", "complaint_tag", "consultation", "contact", "event",
                      "remedy", "staff", "incident", "drill", "plan_version", "evidence"]


def branch(tmp_path, name="branch") -> Database:
    """The demo database: a dozen complaints in every status, incidents, a drill."""
    database = Database(resolve_url(str(tmp_path / f"{name}.db")))
    database.create()
    build(database)
    return database


def counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in TABLES_OF_A_BRANCH}


def numbers(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return sorted(conn.execute(sa.text("SELECT number FROM complaint")).scalars())


def events(database: Database) -> list[tuple]:
    with database.engine.connect() as conn:
        return list(conn.execute(sa.text(
            "SELECT seq, number, action, actor, prev_hash, hash FROM event ORDER BY seq")))


READ_TIME = ("seconds_left", "time_left", "urgency")  # computed at the moment of reading


def show(database: Database, number: str) -> dict:
    data = json.loads(Cli(database)("show", number, "--format", "json").stdout)
    return {k: v for k, v in data.items() if k not in READ_TIME}


@pytest.fixture(params=["postgresql", "sqlite"])
def central(request, tmp_path):
    """The empty central database: PostgreSQL (skips without a server), or a SQLite file."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        yield Database(url)
    else:
        yield Database(resolve_url(str(tmp_path / "central.db")))


def migrate(source: Database, target: Database, *args: str):
    return Cli(source)("db", "migrate-to", target.url, *args)


def test_a_demo_branch_goes_into_an_empty_central_database_exactly_as_it_was(tmp_path, central):
    source = branch(tmp_path)
    (tmp_path / "letter.txt").write_text("客户来信")
    number = numbers(source)[1]
    cli = Cli(source)
    assert cli("evidence", "add", number, str(tmp_path / "letter.txt"), as_="admin").exit_code == 0
    before = counts(source)
    store = tmp_path / "central-evidence"
    run = migrate(source, central, "--format", "json", "--evidence-dir", str(store))
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["chain"] == "copied"
    assert report["events"] == before["event"]
    assert report["audit_verify"] == {"ok": True, "events": before["event"] + 1}
    assert report["evidence_files"] == 1
    assert "Audit chain copied as it was" in run.stderr
    after = counts(central)
    assert after == {**before, "event": before["event"] + 1}  # + the migrate-to event itself
    assert numbers(central) == numbers(source)
    assert events(central)[:-1] == events(source)  # same seq, same hashes
    last = events(central)[-1]
    assert (last[2], last[3], last[4]) == ("db migrate-to", "admin", events(source)[-1][5])
    # the copy reads the same through the CLI, personal data and the evidence file included
    mine, theirs = show(source, number), show(central, number)
    assert theirs == mine
    target = Cli(central)
    assert target("audit", "verify", as_="auditor").exit_code == 0
    listed = target("evidence", "list", number, "--format", "json", as_="admin")
    digest = json.loads(listed.stdout)[0]["sha256"]
    assert digest == json.loads(
        cli("evidence", "list", number, "--format", "json", as_="admin").stdout)[0]["sha256"]
    assert (store / digest[:2] / digest).read_text() == "客户来信"
    # numbering continues after the branch's numbers, never reusing one
    new = target("register", "--channel", "phone", "--customer", "新", "--summary", "s",
                 "--branch", "BJ01", as_="zhaolei")
    assert new.exit_code == 0, new.stderr
    assert new.stdout.strip() > numbers(source)[-1]


def test_a_number_collision_refuses_the_whole_copy_with_a_report(tmp_path, central):
    first, second = branch(tmp_path, "first"), branch(tmp_path, "second")
    assert migrate(first, central).exit_code == 0
    before = counts(central)
    run = migrate(second, central)
    assert run.exit_code == 1
    n = len(numbers(second))
    listed = ", ".join(numbers(second)[:n])
    assert run.stderr == (
        "Error: Nothing was copied: the target already uses keys of the branch's (complaint "
        "numbers are unique and never change):\n"
        f"  complaint.number: {n} already in the target: {listed}\n"
        "Keep this branch on a database of its own, or migrate it into a central database that "
        "has not numbered complaints in the same years.\n")
    assert counts(central) == before
    assert Cli(central)("audit", "verify", as_="auditor").exit_code == 0


def test_a_second_branch_without_collisions_is_appended_to_the_chain(tmp_path, central):
    first = branch(tmp_path, "first")
    assert migrate(first, central).exit_code == 0
    # a second branch whose complaints were registered last year: other numbers, same staff
    second = Database(resolve_url(str(tmp_path / "second.db")))
    second.create()
    seed(second)
    cli = Cli(second)
    year = datetime.now(timezone.utc).year - 1
    registered = []
    for day in (3, 4, 5):
        run = cli("register", "--channel", "letter", "--customer", "钱", "--summary", "s",
                  "--phone", "13912345678", "--at", f"{year}-03-0{day}T10:00:00", as_="clerk")
        assert run.exit_code == 0, run.stderr
        registered.append(run.stdout.strip())
    assert cli("assign", registered[0], "--to", "h1", "--at", f"{year}-03-06T10:00:00",
               as_="sup").exit_code == 0
    target_events = len(events(central))
    run = migrate(second, central, "--format", "json")
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["chain"] == "appended"
    assert (report["first_seq"], report["last_seq"]) == (
        target_events + 1, target_events + len(events(second)))
    tables = {t["table"]: t for t in report["tables"]}
    assert tables["complaint"]["copied"] == 3 and not tables["complaint"]["kept_ids"]
    assert tables["staff"]["matched"] == 1  # admin is in both: the central row stands
    assert "staff admin: the target's row was kept" in run.stderr
    assert Cli(central)("audit", "verify", as_="auditor").stdout == ""
    verified = Cli(central)("audit", "verify", as_="auditor")
    assert verified.exit_code == 0, verified.stderr
    assert show(central, registered[0])["events"] == show(second, registered[0])["events"]
    assert show(central, registered[0])["customer"] == show(second, registered[0])["customer"]
    # the closing event anchors the branch's own chain head
    last = json.loads(Cli(central)("audit", "log", "--limit", "1", "--format", "json",
                                   as_="auditor").stdout)[0]
    assert last["details"]["source_head"] == events(second)[-1][5]


def test_a_dry_run_copies_and_verifies_then_writes_nothing(tmp_path, central):
    source = branch(tmp_path)
    run = migrate(source, central, "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert "Dry run: everything was copied and verified, then rolled back; nothing was " \
           "written." in run.stderr
    assert counts(central) == dict.fromkeys(TABLES_OF_A_BRANCH, 0)


def test_only_an_admin_migrates_and_a_broken_branch_chain_is_refused(tmp_path, central):
    source = branch(tmp_path)
    run = Cli(source)("db", "migrate-to", central.url, as_="wangfang")
    assert run.exit_code == 4 and "`db migrate-to` needs the role admin" in run.stderr
    source.engine.dispose()
    import sqlite3

    conn = sqlite3.connect(source.path)
    disarm(conn)  # the append-only triggers, as an attacker with the file could
    conn.execute("UPDATE event SET actor = 'mallory' WHERE seq = 5")
    conn.commit()
    conn.close()
    run = migrate(source, central)
    assert (run.exit_code, run.stderr) == (
        1, "Error: The branch's audit trail is broken (event 5 was altered); restore a good "
           "backup before migrating it.\n")


def test_the_target_itself_is_refused(tmp_path):
    source = branch(tmp_path)
    run = migrate(source, source)
    assert run.exit_code == 2 and "The target is the database itself" in run.stderr
