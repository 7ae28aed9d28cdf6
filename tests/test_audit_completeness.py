"""Audit completeness (issue 7, item 5), generated from the command tree: every command is
either read-only (writes no event; an unmasking writes its one unmask event) or changes state,
and then each run of it, successful or refused, writes exactly one complete event: who, what,
on what, when, and the result. A new command fails here until it is classified and, when it
changes state, given a successful run below."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import func, select

from complaintctl.cli import app
from complaintctl.store.models import Event

ROOT = typer.main.get_command(app)


def _leaves(command, path=()):
    subs = getattr(command, "commands", None)
    if subs is None:
        yield " ".join(path)
        return
    for name, sub in sorted(subs.items()):
        yield from _leaves(sub, (*path, name))


COMMANDS = sorted(_leaves(ROOT))

#: commands that change nothing in the database (files they write are the user's)
READ_ONLY = {
    "show", "list", "due", "urgency", "report", "monitor", "export", "evidence list",
    "staff list", "staff conflict list", "org list", "config show", "notify list",
    "db path", "db backup", "db check", "audit verify", "audit anchor", "audit log",
    "audit prove",
    "plan init", "plan validate", "plan show", "plan history", "incident list",
    "incident show", "incident checklist", "incident overdue", "incident report",
    "drill report", "drill list", "rootcause codes", "rootcause export-codes", "rectify list",
    "rectify show", "import list", "intake review list", "whoami", "staff token list",
    "notice",  # prints a decided complaint's notice; its SHA-256 is an access event
    # discloses to the verified customer; its access event is pinned by test_art22_identity.py
    "customer-copy",
}
#: commands that prove who acts rather than act (issue 18): there is no permission to refuse;
#: their events (sign-in, failed sign-in, lockout, logout) are pinned by tests/test_identity.py;
#: enrolling a second factor is proven by one's own password (its events: tests/test_mfa.py)
SIGN_IN = {"login", "logout", "staff mfa enrol"}
#: commands outside the audit trail of the database they act on, saying why
OUTSIDE = {
    "init": "creates the database; its first admin is the chain's first event",
    "demo": "builds a separate demo database",
    "db upgrade": "changes the schema, not the records; the backup copy it takes is the trail",
    "db migrate-to": "copies the chain itself into another database, verified there",
    "db harden": "PostgreSQL only (refused on SQLite, changing nothing); its `db harden` event "
                 "and its refusal are checked on the server by test_db_harden.py",
    "audit keygen": "writes the auditor's key pair to files; opens no database",
    "serve": "a server: each request calls a use case that writes its own event "
             "(tests/test_web_*.py check them)",
    "tui": "an interactive front-end (refused without a terminal): each of its keys calls a "
           "command's use case, whose events those commands' runs here pin; "
           "tests/test_tui_screens.py reads them back",
}

#: a successful run of every state-changing command, in an order that builds what the later
#: ones need: (command, arguments, who). {A}..{E} are complaints made beforehand, {file:NAME}
#: files written beforehand, {id:WHAT} ids printed by earlier steps.
STEPS: list[tuple[str, list[str], str]] = [
    ("register", ["--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
                  "--summary", "年费重复扣收", "--branch", "BJ01"], "clerk"),
    ("verify-identity", ["{A}", "--method", "counter_id_check"], "clerk"),
    ("assign", ["{A}", "--to", "h1"], "sup"),
    ("contact", ["{A}", "--via", "phone", "--summary", "已致电客户"], "h1"),
    ("investigate", ["{A}"], "h1"),
    ("note", ["{A}", "客户催办"], "h1"),
    ("consult", ["{A}", "--department", "card_ops", "--question", "扣了两次吗"], "h1"),
    ("answer", ["{A}", "1", "是"], "h1"),
    ("evidence add", ["{A}", "{file:statement.pdf}"], "h1"),
    ("pause", ["{A}", "--reason", "appraisal", "--customer-notified-via", "phone"], "h1"),
    ("resume", ["{A}"], "h1"),
    ("extend", ["{A}", "--level", "1", "--reason", "需要卡组织记录"], "h1"),
    ("approve", ["{A}"], "sup"),
    ("request-approval", ["{C}", "--compensation", "50000", "--reason", "利息损失"], "h1"),
    ("resolve", ["{A}", "--outcome", "upheld", "--findings", "属实", "--remedy", "apology",
                 "--reasons", "核实结果", "--basis", "合同条款"], "h1"),
    ("notify-decision", ["{A}", "--method", "phone", "--proof", "CALL-1"], "h1"),
    ("close", ["{A}", "--satisfaction", "4"], "h1"),
    ("review request", ["{A}", "--note", "不同意"], "clerk"),
    ("review decide", ["{A}", "--result", "upheld", "--findings", "维持"], "admin"),
    ("reopen", ["{E}", "--reason", "客户补充材料"], "sup"),
    ("withdraw", ["{B}", "--reason", "客户撤回"], "sup"),
    ("merge", ["{D}", "--into", "{C}"], "sup"),
    ("archive", ["{A}"], "sup"),
    ("rootcause set", ["{A}", "--cause", "C03"], "sup"),
    ("rootcause load-codes", ["{codes}"], "admin"),
    ("rectify open", ["--what", "修正收费规则", "--owner", "h1", "--due", "2099-12-31"], "sup"),
    ("rectify link", ["1", "{A}"], "sup"),
    ("rectify update", ["1", "--status", "done"], "sup"),
    ("staff add", ["x1", "--name", "新人", "--role", "clerk", "--branch", "BJ01"], "admin"),
    ("staff passwd", ["x1", "--password-stdin"], "admin"),
    ("staff token create", ["h1", "--name", "nightly", "--scope", "read"], "admin"),
    ("staff token revoke", ["1"], "admin"),
    ("staff mfa reset", ["h2"], "admin"),
    ("staff deactivate", ["x1"], "admin"),
    ("staff activate", ["x1"], "admin"),
    ("staff senior", ["h2"], "admin"),
    ("staff conflict add", ["h2", "--kind", "account", "--value", "6222020200001234"], "admin"),
    ("staff conflict remove", ["1"], "admin"),
    ("org add", ["HQ", "--name", "总行"], "admin"),
    ("org move", ["BJ", "--parent", "HQ"], "admin"),
    ("config set", ["compensation.threshold", "2000"], "admin"),
    ("config load", ["{file:rules.toml}"], "admin"),
    ("notify send", [], "admin"),
    ("plan load", ["{plan}"], "admin"),
    ("incident declare", ["--level", "II", "--title", "网点群体投诉", "--link", "{C}"], "sup"),
    ("incident link", ["1", "{E}"], "sup"),
    ("incident update", ["1", "--action", "行长接待"], "sup"),
    ("incident done", ["1", "1"], "sup"),
    ("incident escalate", ["1", "--level", "I", "--reason", "人数增加"], "sup"),
    ("incident deescalate", ["1", "--level", "III", "--reason", "已疏散"], "sup"),
    ("incident close", ["1", "--review", "现场化解"], "sup"),
    ("incident detect", [], "sup"),
    ("sla check", [], "sup"),
    ("drill run", ["--scenario", "group-visit", "--level", "II"], "sup"),
    ("drill close", ["1", "--lessons", "总行报告迟了"], "sup"),
    ("hold", ["{E}", "--reason", "诉讼"], "sup"),
    ("release", ["{E}", "--reason", "结案"], "sup"),
    ("purge", [], "admin"),
    ("import file", ["{file:native.csv}"], "admin"),
    ("import undo", ["1"], "admin"),
    ("intake json", ["{file:platform.jsonl}"], "clerk"),
    ("intake mail", ["--maildir", "{maildir}"], "clerk"),
    ("intake review accept", ["1", "--customer", "张伟"], "clerk"),
    ("intake review reject", ["2", "--reason", "垃圾邮件"], "clerk"),
]

#: what a command reads on standard input (a password)
STDIN = {"staff passwd": "amber kettle horizon\n"}
#: a member of staff who may do none of the state-changing commands (read, unmask, audit)
REFUSED_AS = "aud"
#: commands whose successful event is named otherwise than their refusal
RECORDED_AS = {"incident update": "incident action"}
#: commands that write their event on each of the complaints they join
PER_COMPLAINT = {"merge"}
#: what else a run may write besides its own event: one event per record it took in or
#: changed (each on its own complaint's or incident's timeline)
SIDE_EVENTS = {
    "staff conflict add": {"recusal flag"},
    "import file": {"imported"},
    "incident declare": {"incident link"},
    # a registration that crosses a trigger of the emergency plan opens or joins its incident
    # in its own transaction (CBIRC Art 29): by then BJ01 has 5 or more complaints in 24 h
    "register": {"incident declare", "incident link"},
    "intake json": {"register", "incident declare", "incident link"},
    "intake mail": {"register", "evidence", "contact", "intake review queue",
                    "incident declare", "incident link"},
    "intake review accept": {"register", "evidence", "incident declare", "incident link"},
    "drill run": {"register", "incident declare", "incident link"},
    "sla check": {"sla_warning", "escalate", "incident declare", "incident link",
                  "incident overdue", "plan load"},
    "incident detect": {"incident declare", "incident link", "incident escalate",
                        "plan load"},
}


def test_every_command_is_classified_once():
    changing = {name for name, _args, _who in STEPS}
    assert len(changing) == len(STEPS), "each state-changing command runs once"
    unclassified = set(COMMANDS) - READ_ONLY - set(OUTSIDE) - SIGN_IN - changing
    assert not unclassified, (
        f"classify {sorted(unclassified)}: add to READ_ONLY, or give a successful run in STEPS")
    assert not (READ_ONLY & changing) and not (set(OUTSIDE) & (READ_ONLY | changing))
    assert (READ_ONLY | set(OUTSIDE) | SIGN_IN | changing) == set(COMMANDS), "no stale names"


def _events(db) -> int:
    with db.session() as session:
        return session.execute(select(func.max(Event.seq))).scalar() or 0


def _new_events(db, after: int) -> list[Event]:
    with db.session() as session:
        return list(session.execute(
            select(Event).where(Event.seq > after).order_by(Event.seq)).scalars())


def _fixture_world(cli, tmp_path) -> dict[str, str]:
    """Five complaints (E closed), and the files the steps read."""
    from complaintctl.domain.enums import Channel, ContactVia, Outcome
    from complaintctl.services.complaints import registration as svc
    from complaintctl.services.complaints import decisions, handling
    from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
    from conftest import actor

    db = cli.database

    def do(use_case, who, **kwargs):
        with db.session(write=True) as session:
            return use_case(session=session, actor=actor(who), **kwargs)

    names = {}
    from datetime import datetime, timedelta, timezone

    today = datetime.now(timezone.utc)
    for i, key in enumerate("ABCDE"):
        # received two days apart: five in one branch within 24 h would be a level IV
        # cluster, and registration runs detection (CBIRC Art 29), opening an incident here
        new = NewComplaint(channel=Channel.phone, customer="李娜", phone="13987654321",
                           summary=f"投诉 {key}", branch="BJ01",
                           received_at=today - timedelta(days=2 * i))
        names[key] = do(svc.register, "clerk", new=new).number
    for key, handler in (("C", "h1"), ("E", "h2")):
        do(handling.assign, "sup", number=names[key], to=handler)
        do(handling.investigate, handler, number=names[key])
    do(decisions.resolve, "h2", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=names["E"], outcome=Outcome.upheld, findings="属实",
       remedies=[RemedyInput.parse("apology")], notified_via=ContactVia.phone)
    do(decisions.close, "h2", number=names["E"], satisfaction=4)
    files = {
        "statement.pdf": b"%PDF-1.4 statement",
        "rules.toml": 'profile = "bank-10"\n[profiles.bank-10]\ndecision = "10 calendar days"\n',
        "native.csv": open("examples/complaints_native.csv", encoding="utf-8").read(),
        "platform.jsonl": json.dumps({"channel": "online", "customer": {"name": "王五"},
                                      "summary": "网银转账失败", "branch": "BJ01",
                                      "external_ref": "WEB-1"}, ensure_ascii=False) + "\n",
    }
    for name, content in files.items():
        path = tmp_path / name
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        names[f"file:{name}"] = str(path)
    assert cli("org", "add", "BJ", "--name", "北京分行").exit_code == 0
    names["codes"] = str(tmp_path / "codes.toml")
    assert cli("rootcause", "export-codes", names["codes"]).exit_code == 0
    names["plan"] = str(tmp_path / "plan.toml")
    assert cli("plan", "init", names["plan"]).exit_code == 0
    from mailkit import maildir, plain, raw

    no_sender = [raw("Subject: fee", "Message-ID: <no-from-1@x>"),
                 raw("From: guest@localhost", "Subject: ad", "Message-ID: <no-from-2@x>")]
    names["maildir"] = str(maildir(tmp_path / "Maildir", [plain(), *no_sender]))
    _second_factor(db, "h2")
    return names


def _second_factor(db, username: str) -> None:
    """A second factor for ``username`` (for `staff mfa reset`: the row is all it removes)."""
    from datetime import datetime, timezone

    from sqlmodel import select as sql_select

    from complaintctl.store.models import Staff
    from complaintctl.store.models_identity import MfaSecret

    with db.session(write=True) as session:
        staff = session.exec(sql_select(Staff).where(Staff.username == username)).one()
        session.add(MfaSecret(staff_id=staff.id, secret_enc="v1:", last_step=0,
                              enrolled_at=datetime.now(timezone.utc)))
        session.commit()


def _complete(event: Event, who: str) -> None:
    """Who, what, on what, when, and the result."""
    assert event.actor == who and event.action and event.at and event.recorded_at
    assert event.kind in ("change", "admin", "refusal", "unmask"), event.kind
    details = json.loads(event.details)
    assert event.number or details, "the event names what it acted on"
    if event.kind == "refusal":
        assert details["reason"] and details["exit_code"] in (3, 4)


@pytest.mark.sqlite_only("the examples' CSV and a Maildir are files beside the SQLite one")
def test_every_state_changing_command_refused_or_done_writes_exactly_one_complete_event(
        cli, tmp_path):
    names = _fixture_world(cli, tmp_path)
    for command, template, who in STEPS:
        args = [names[a[1:-1]] if a.startswith("{") else a for a in template]
        before = _events(cli.database)
        refused = cli(*command.split(), *args, as_=REFUSED_AS, input=STDIN.get(command))
        where = f"{command} as {REFUSED_AS}"
        assert refused.exit_code == 4, (where, refused.stderr)
        (event,) = _new_events(cli.database, before)  # exactly one
        _complete(event, REFUSED_AS)
        assert event.kind == "refusal", where
        action = event.action  # the command's name on the trail
        before = _events(cli.database)
        done = cli(*command.split(), *args, as_=who, input=STDIN.get(command))
        assert done.exit_code == 0, (command, done.stderr)
        written = _new_events(cli.database, before)
        action = RECORDED_AS.get(command, action)
        own = [e for e in written if e.action == action and e.actor == who]
        assert len(own) == (2 if command in PER_COMPLAINT else 1), (command, written)
        for e in own:
            _complete(e, who)
            assert e.kind in ("change", "admin"), (command, e.kind)
        if command in PER_COMPLAINT:  # one on each complaint's timeline
            assert len({e.number for e in own}) == 2, command
        others = [e for e in written if e not in own]
        # what else a run writes: one event per record it took in or changed on the way
        assert all(e.action in SIDE_EVENTS.get(command, ()) for e in others), (
            command, [(e.kind, e.action) for e in others])
        for e in others:
            assert e.actor in (who, "system") and e.at and e.recorded_at
