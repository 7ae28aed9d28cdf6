"""Issue 7 item 7: the personal-data leak scan.

Customers with known clear phone numbers, ID numbers (身份证), accounts and emails (Chinese
names too) are seeded; then every read command of the command tree runs, in every output format,
as every role, with and without --unmask, plus error paths, the outbox and its log. stdout,
stderr and every written file are scanned for the clear values in their common formattings.
A clear value may appear only where a role allowed to unmask asked for it (and that complaint is
in its scope); each such read is on the audit trail. A command added to the tree must be put in
READS or CHANGES below, or the first test fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import MetaData, select, text

import mailkit
from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import Cli, actor, commands_keep_connections, seed
from leakscan import CUSTOMERS, NAMES, Customer, file_text, found
from readme_matrix import command_tree

ROLES = {"clerk": "clerk", "handler": "h1", "supervisor": "sup", "auditor": "aud", "admin": "admin"}
#: who may unmask, and where (the README's matrix: supervisor branch, auditor and admin all)
UNMASK_BRANCHES = {"sup": {"BJ01"}, "aud": None, "admin": None}


# --- the seeded database -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(database_factory, tmp_path_factory):
    """Three customers' complaints worked through the services (one closed with a root cause
    and a rectification action, one under an incident), a mailed complaint acknowledged to the
    customer through the outbox, and the outbox delivered to its log."""
    tmp = tmp_path_factory.mktemp("leaks")
    db = seed(database_factory("leaks"))
    with commands_keep_connections(db):
        yield _world(Cli(db), tmp)


def _world(cli: Cli, tmp) -> tuple[Cli, dict]:
    db = cli.database
    admin = actor("admin")
    numbers = []
    with db.session(write=True) as s:
        for c in CUSTOMERS:
            kw = dict(session=s, actor=admin)
            # the free text repeats the customer's data, as narratives and notes do
            n = svc.register(**kw, new=NewComplaint(
                channel=Channel.phone, customer=c.name, summary=f"信用卡年费重复扣收 {c.phone}",
                phone=c.phone, id_number=c.id_number, account=c.account, email=c.email,
                customer_id=f"C-{len(numbers)}", branch=c.branch, product="credit_card",
                amount="300", description=f"客户{c.name}手机{c.phone}，身份证{c.id_number}，"
                f"卡号{c.account} 无法转账; call me on +86 {_spaced(c.phone)} or {c.email}")).number
            numbers.append(n)
            handler = {"BJ01": "h1", "SH01": "h3", None: "admin"}[c.branch]
            handling.assign(**kw, number=n, to=handler)
            handling.contact(**kw, number=n, via=ContactVia.phone,
                             summary=f"已受理，客户留卡号{c.account}")
            handling.note(**kw, number=n, text=f"客户来电{c.phone}，邮箱{c.email}")
            handling.investigate(**kw, number=n)
            if c is CUSTOMERS[0]:
                decisions.resolve(
                    reasons="核实结果", basis="合同条款", proof="CALL-1",
                    **kw, number=n, outcome=Outcome.upheld,
                                  findings=f"卡{c.account}重复扣费",
                                  remedies=[RemedyInput.parse("fee_refund:300")],
                                  notified_via=ContactVia.phone)
                decisions.close(**kw, number=n, satisfaction=4,
                                feedback=f"满意，身份证{c.id_number}已核实")
    ok = lambda *a, as_="admin": _ok(cli(*a, as_=as_))  # noqa: E731
    evidence = tmp / "statement.pdf"
    evidence.write_bytes(b"%PDF statement")
    c1 = CUSTOMERS[1]
    ok("evidence", "add", numbers[1], str(evidence), "--description", f"{c1.id_number}身份证复印件")
    consultation = ok("consult", numbers[1], "--department", "card_ops", "--question",
                      f"卡{c1.account}扣了两次？")
    ok("answer", numbers[1], consultation.strip(), f"是，已回电{c1.phone}")
    ok("rootcause", "set", numbers[0], "--cause", "C03")
    action = ok("rectify", "open", "--what", "修正年费规则", "--owner", "sup", "--due",
                "2099-12-31", "--link", numbers[0]).strip()
    incident = ok("incident", "declare", "--level", "IV", "--title", "年费批量重复扣收",
                  "--link", numbers[1], "--link", numbers[2]).strip()
    drill = json.loads(ok("drill", "run", "--scenario", "surge", "--level", "IV", "--simulate",
                          "--json", as_="sup"))
    ok("staff", "conflict", "add", "h2", "--kind", "account", "--value", CUSTOMERS[0].account)
    ok("staff", "conflict", "add", "h2", "--kind", "customer_id", "--value", "C-0")
    # a customer mails in: the acknowledgement goes to their address through the outbox
    box = mailkit.maildir(tmp / "Maildir", [mailkit.plain(
        "<leak-1@example.com>", sender=f"{CUSTOMERS[0].name} <{CUSTOMERS[0].email}>",
        body=f"我的信用卡年费被扣了两次，请退还。\n{CUSTOMERS[0].name}")])
    intake = cli("intake", "mail", "--maildir", str(box), "--json", as_="clerk")
    assert intake.exit_code == 0, intake.stderr
    log = tmp / "outbox.log"
    ok("config", "set", "notify.log_path", str(log))
    ok("notify", "send")
    ids = {"numbers": numbers, "incident": incident, "action": action,
           "drill": str(drill.get("drill", drill.get("id"))), "tmp": tmp, "log": log,
           "intake": intake.stdout + intake.stderr}
    return cli, ids


def _spaced(phone: str) -> str:
    """``13812345678`` -> ``138 1234 5678``, as people write it."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def _ok(run) -> str:
    assert run.exit_code == 0, run.stderr
    return run.stdout


# --- the command tree, classified ----------------------------------------------------------------

#: read commands and their arguments ({n0} {n1} {n2} complaints, {incident}, {drill}, {action},
#: {out}: a file to write); each runs in every --format it takes, as every role
READS: dict[str, list[list[str]]] = {
    "show": [["show", "{n0}"], ["show", "{n1}"], ["show", "{n2}"]],
    "list": [["list", "--all"]],  # every complaint, not the open queue (issue 22)
    "export": [["export", "-o", "{out}"]],
    "evidence list": [["evidence", "list", "{n1}"]],
    "due": [["due", "{n0}"]],
    "urgency": [["urgency", "{n1}"]],
    "audit log": [["audit", "log", "--limit", "500"], ["audit", "log", "{n0}"]],
    "audit verify": [["audit", "verify"]],
    "audit anchor": [["audit", "anchor"]],
    "audit prove": [["audit", "prove", "{n0}"], ["audit", "prove", "{n0}", "--json"]],
    "config show": [["config", "show"]],
    "db check": [["db", "check"]],
    "db path": [["db", "path"]],
    "import list": [["import", "list"]],
    "incident checklist": [["incident", "checklist", "{incident}"]],
    "incident list": [["incident", "list", "--include-drills"]],
    "incident show": [["incident", "show", "{incident}"]],
    "incident report": [["incident", "report", "{incident}", "-o", "{out}"]],
    "drill list": [["drill", "list"]],
    "drill report": [["drill", "report", "{drill}", "-o", "{out}"]],
    "monitor": [["monitor", "--include-drills"]],
    "notify list": [["notify", "list", "--limit", "500"]],
    "org list": [["org", "list"]],
    "plan history": [["plan", "history"]],
    "plan show": [["plan", "show"]],
    "rectify list": [["rectify", "list"]],
    "rectify show": [["rectify", "show", "{action}"]],
    "report": [["report", name, "--period", "all", "-o", "{out}"] for name in (
        "summary", "sla", "aging", "trend", "outcomes", "satisfaction", "handlers",
        "root-causes", "regulatory")],
    "rootcause codes": [["rootcause", "codes"]],
    "rootcause export-codes": [["rootcause", "export-codes", "{out}"]],
    "staff list": [["staff", "list"]],
    "staff conflict list": [["staff", "conflict", "list"]],
    "intake review list": [["intake", "review", "list"], ["intake", "review", "list", "--json"]],
    "whoami": [["whoami"]],
    "staff token list": [["staff", "token", "list"]],
    "notice": [["notice", "{n0}", "-o", "{out}"]],
    # refused until the customer's identity is verified (CBIRC Art 22): nothing leaks
    "customer-copy": [["customer-copy", "{n0}", "--format", "json"]],
}
#: commands that change something (their error paths are in ERROR_PATHS), or that read no
#: complaint data: not run here
CHANGES = {
    "tui",  # interactive, refused without a terminal; its screens' masking: tests/test_tui*.py
    "answer", "approve", "archive", "assign", "close", "consult", "contact", "investigate",
    "merge", "note", "pause", "register", "reopen", "request-approval", "resolve", "resume",
    "withdraw", "extend", "evidence add", "review decide", "review request", "rootcause set",
    "rootcause load-codes", "rectify link", "rectify open", "rectify update", "config load",
    "config set", "db upgrade", "init", "import file", "import undo", "intake json",
    "intake mail", "intake review accept", "intake review reject", "incident close", "incident declare", "incident deescalate",
    "incident detect", "incident done", "incident escalate", "incident link",
    "incident overdue", "incident update", "drill close", "drill run", "notify send", "org add",
    "org move", "plan init", "plan load", "plan validate", "sla check", "staff activate",
    "staff add", "staff conflict add", "staff conflict remove", "staff deactivate",
    "staff senior", "hold", "release", "purge", "audit keygen", "notify-decision",
    "verify-identity",
    # a server (issue 19): a customer sees only their own complaint, proven by its access
    # code, and no contact details (tests/test_web_public.py)
    "serve",
    # roles and grants, no complaint data (its output is checked in test_db_harden.py)
    "db harden",
    # identity (issue 18): their secrets are scanned by the last test below
    "login", "logout", "staff passwd", "staff token create", "staff token revoke",
    "staff mfa enrol", "staff mfa reset",
    # copies of everything by design, for an admin: the backup, the central database, a demo
    "db backup", "db migrate-to", "demo",
}
#: files that need a file name (-o) rather than standard output
BINARY = {"xlsx", "pdf"}


def _formats(command) -> list[str | None]:
    param = next((p for p in command.params if p.name == "format"), None)
    if param is None:
        return [None]
    return [m.value for m in param.type_descriptor.annotation]


def _has_unmask(command) -> bool:
    return any(p.name == "unmask" for p in command.params)


@dataclass
class Run:
    label: str
    user: str
    unmask: bool
    exit_code: int
    text: str  # stdout, stderr and every file written


def _run(cli, ids, argv: list[str], fmt: str | None, user: str, unmask: bool, k: int) -> Run:
    out_dir = ids["tmp"] / f"run-{k}"
    out_dir.mkdir()
    values = {"n0": ids["numbers"][0], "n1": ids["numbers"][1], "n2": ids["numbers"][2],
              "incident": ids["incident"], "drill": ids["drill"], "action": ids["action"],
              "out": str(out_dir / f"out.{fmt or 'txt'}")}
    args = [a.format(**values) for a in argv]
    if "-o" in args and fmt not in BINARY:
        at = args.index("-o")  # text goes to stdout, where a pipe would take it
        args = args[:at] + args[at + 2:]
    if fmt is not None:
        args += ["--format", fmt]
    if unmask:
        args.append("--unmask")
    run = cli(*args, as_=user)
    written = "\n".join(file_text(p) for p in sorted(out_dir.iterdir()))
    return Run(" ".join(args), user, unmask, run.exit_code, run.stdout + run.stderr + written)


def _unmask_events(cli) -> int:
    with cli.database.engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM event WHERE kind = 'access' AND "
                                 "action = 'unmask'")).scalar_one()


def _may_see(user: str, run: Run) -> list[Customer]:
    """The customers whose clear values this run may show: unmasked by a role allowed to."""
    if not run.unmask or run.exit_code != 0 or user not in UNMASK_BRANCHES:
        return []
    branches = UNMASK_BRANCHES[user]
    return [c for c in CUSTOMERS if branches is None or c.branch in branches]


# --- the tests -----------------------------------------------------------------------------------


def test_every_command_of_the_tree_is_scanned_as_a_read_or_listed_as_a_change():
    tree = set(command_tree())
    assert set(READS) | CHANGES == tree
    assert not set(READS) & CHANGES


def _plan(tree) -> list[tuple[list[str], str | None, str, bool]]:
    """(argv, format, user, unmask) for every read: each invocation as every role, each format
    at least once (the roles take the formats in turn); with --unmask, every format as every
    role, with and without it."""
    users = list(ROLES.values())
    plan = []
    for command, invocations in READS.items():
        leaf = tree[command]
        formats = _formats(leaf)
        for argv in invocations:
            if _has_unmask(leaf):
                plan += [(argv, fmt, user, unmask) for fmt in formats for user in users
                         for unmask in (False, True)]
                continue
            for i in range(max(len(users), len(formats))):
                plan.append((argv, formats[i % len(formats)], users[i % len(users)], False))
    return plan


def test_no_role_sees_a_clear_value_it_may_not_and_every_unmasking_is_audited(world):
    cli, ids = world
    plan = _plan(command_tree())
    leaks, unaudited, blind = [], [], []
    for k, (argv, fmt, user, unmask) in enumerate(plan):
        before = _unmask_events(cli)
        run = _run(cli, ids, argv, fmt, user, unmask, k)
        allowed = _may_see(user, run)
        shown = found(run.text)
        leaks += [f"{run.label} as {user}: {hit}" for hit in shown
                  if hit.split(":")[0] not in {c.name for c in allowed}]
        audited = _unmask_events(cli) - before
        if audited != (1 if allowed else 0):
            unaudited.append(f"{run.label} as {user}: {audited} unmask events")
        # the scan sees clear values when they are there: every unmasked machine format shows
        # the phone, ID, account and email of every customer in it (but show, one complaint,
        # and the audit log and evidence list, which hold no customer fields, only texts)
        if allowed and fmt in ("json", "jsonl", "csv", "xlsx") and argv[0] not in (
                "show", "audit", "evidence"):
            missing = {f"{c.name}:{f}" for c in allowed for f in c.clear()} - set(shown)
            if missing:
                blind.append(f"{run.label} as {user}: the scan missed {sorted(missing)}")
    print(f"\nleak scan: {len(plan)} read runs ({sum(p[3] for p in plan)} with --unmask) over "
          f"{len(READS)} read commands; leaks: {len(leaks)}; unaudited unmaskings: "
          f"{len(unaudited)}")
    assert not leaks, "\n".join(leaks[:40])
    assert not unaudited, "\n".join(unaudited[:40])
    assert not blind, "\n".join(blind[:20])


def _names_in(text_: str) -> list[str]:
    return [name for name in NAMES if name in text_]


def test_the_outbox_its_log_and_the_audit_log_carry_no_personal_data(world):
    """Notifications never carry the customer's name, contact details or complaint text (the
    README); the acknowledgement to a customer is listed and logged with the address masked."""
    cli, ids = world
    listed = cli("notify", "list", "--limit", "500", "--format", "json", as_="admin")
    outbox = json.loads(listed.stdout)
    log = ids["log"].read_text(encoding="utf-8")
    audit_log = cli("audit", "log", "--limit", "5000", "--format", "json", as_="aud").stdout
    assert [n["to"] for n in outbox if n["recipient"] == "customer"] == ["z***@example.com"]
    assert "To: z***@example.com" in log
    staff_notes = "".join(n["subject"] for n in outbox if n["recipient"] != "customer")
    assert (found(listed.stdout + log + audit_log + ids["intake"]),
            _names_in(staff_notes)) == ([], [])


def test_a_delivery_error_quoting_the_customers_address_is_kept_masked():
    from complaintctl.services.notify import delivery, senders

    refused = senders.DeliveryError(
        f"recipient refused: {{'{CUSTOMERS[0].email}': (550, b'No such user')}}", permanent=True)
    assert delivery.error_text(refused) == \
        "recipient refused: {'z***@example.com': (550, b'No such user')}"


#: error paths fed the seeded customers' values: (argv, user, exit code)
C0, C1 = CUSTOMERS[0], CUSTOMERS[1]
REGISTER = ["register", "--channel", "phone", "--customer", C0.name, "--summary", "年费"]
ERROR_PATHS = [
    (REGISTER + ["--phone", C0.phone, "--id-number", C0.id_number, "--account", C0.account,
                 "--email", C0.email, "--amount", "3e5"], "clerk", 5),
    (REGISTER + ["--phone", C0.phone, "--email", C0.email, "--branch", "SH01"], "clerk", 4),
    (REGISTER + ["--account", C0.account, "--received-at", "03/04/2025"], "clerk", 5),
    (REGISTER + ["--phone", C0.phone, "--id-number", C0.id_number], "aud", 4),
    (["assign", "{open}", "--to", "h2"], "admin", 4),  # h2 is recused: the conflict is an account
    (["staff", "conflict", "add", "h1", "--kind", "account", "--value", C1.account], "admin", 0),
    (["staff", "conflict", "add", "h1", "--kind", "account", "--value", C1.account], "clerk", 4),
    (["show", "{n1}", "--unmask"], "clerk", 4),
    (["show", "{n1}", "--unmask"], "sup", 4),  # another branch's customer
    (["list", "--unmask", "--text", C0.phone], "h1", 4),
    (["export", "--unmask", "--format", "csv"], "clerk", 4),
    (["list", "--text", C0.email, "--format", "json"], "clerk", 0),
    (["list", "--text", C0.phone, "--format", "csv"], "h1", 0),
]


def test_error_paths_fed_personal_data_do_not_repeat_it(world, tmp_path):
    cli, ids = world
    bad_csv = tmp_path / "bad.csv"
    c = CUSTOMERS[1]
    bad_csv.write_text(
        "number,status,channel,received_at,customer_name,customer_phone,customer_email,"
        "customer_id_number,customer_account,summary,amount\n"
        f",registered,phone,2026-03-01T09:00,{c.name},{c.phone},{c.email},{c.id_number},"
        f"{c.account},年费,not-money\n", encoding="utf-8")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text(json.dumps({"channel": "online", "customer": {
        "name": c.name, "phone": c.phone, "email": c.email, "id_number": c.id_number,
        "account": c.account}, "summary": "年费", "amount": "x"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    paths = ERROR_PATHS + [
        (["import", str(bad_csv), "--format", "native", "--json"], "sup", 5),
        (["import", str(bad_csv), "--format", "native"], "sup", 5),
        (["intake", "json", str(bad_json), "--json"], "clerk", 5),
        (["register", "--json", "-"], "clerk", 5),
    ]
    opened = cli(*REGISTER, "--account", C0.account, "--branch", "BJ01", as_="clerk")
    leaks, codes = [], []
    for argv, user, code in paths:
        args = [a.format(n1=ids["numbers"][1], open=opened.stdout.strip()) for a in argv]
        stdin = bad_json.read_text(encoding="utf-8") if args[-1] == "-" else None
        run = cli(*args, as_=user, input=stdin)
        codes.append((" ".join(args), run.exit_code, code))
        leaks += [f"{' '.join(args)} as {user}: {hit}"
                  for hit in found(run.stdout + run.stderr)]
    print(f"\nleak scan, error paths: {len(paths)} runs; leaks: {len(leaks)}")
    assert not leaks, "\n".join(leaks)
    assert [(a, got) for a, got, want in codes if got != want] == []


# --- passwords and tokens (issue 18) -------------------------------------------------------------


def _enrolled(database, user: str, password: str) -> str:
    """Enrol ``user``'s second factor (through the service: the secret is random); its secret."""
    import pyotp

    from complaintctl.services.identity import mfa

    secret = mfa.new_secret()
    with database.session(write=True) as s:
        mfa.enrol(session=s, username=user, password=password, secret=secret,
                  code=pyotp.TOTP(secret).now(), client="test")
    return secret


def test_no_password_or_token_appears_in_any_output_log_exception_or_audit_payload(
        seeded, tmp_path, caplog):
    """Every identity path run through the CLI on a database that requires sign-in: setting
    passwords (refused ones too), signing in (a first password changed; wrong ones; a lockout),
    whoami, tokens made, listed, used, refused and revoked, logout. Then stdout, stderr, the
    log records, every exception's text, every row of every table (the audit trail's details
    and personal data included) and the notifications log are searched for every password and
    every token; the only place a token may appear is the one stdout of `staff token create`
    that prints it, and the session files that keep them."""
    import logging

    from authkit import PASSWORDS, Homes, require_sign_in
    from complaintctl.errors import ComplaintError
    from complaintctl.services.identity import sessions

    caplog.set_level(logging.DEBUG)
    require_sign_in(seeded, ["admin", "h1"])
    cli, homes = Cli(seeded), Homes(tmp_path / "homes")
    first, chosen, weak = "amber kettle horizon", "silver canyon meadow", "password12345"
    secrets = [*PASSWORDS.values(), first, chosen, weak, "wrong wrong wrong"]
    outputs, printed = [], []

    def run(user, *argv, input=None, env=None, keep=True):
        result = cli(*argv, as_=None, input=input, env=env or homes.env(user))
        if keep:
            outputs.append(result.stdout + result.stderr)
        return result

    run("admin", "login", "admin", "--password-stdin", input=PASSWORDS["admin"] + "\n")
    run("admin", "staff", "passwd", "h2", "--password-stdin", input=weak + "\n")
    run("admin", "staff", "passwd", "h2", "--password-stdin", input=first + "\n")
    run("h2", "login", "h2", "--password-stdin", input=f"{first}\n{weak}\n")
    run("h2", "login", "h2", "--password-stdin", input=f"{first}\n{chosen}\n")
    for _ in range(6):
        run("h1", "login", "h1", "--password-stdin", input="wrong wrong wrong\n")
    run("h2", "whoami")
    mfa_secret = _enrolled(seeded, "admin", PASSWORDS["admin"])  # the second factor too
    secrets.append(mfa_secret)
    run("admin", "login", "admin", "--password-stdin", input=f"{PASSWORDS['admin']}\n12x456\n")
    run("admin", "staff", "mfa", "reset", "admin")
    made = run("admin", "staff", "token", "create", "h1", "--name", "nightly", "--scope",
               "read", keep=False)
    token = made.stdout.strip()
    printed.append(token)
    outputs.append(made.stderr)
    secrets.append(token)
    script = {"COMPLAINTCTL_TOKEN": token}
    run("h1", "list", env=script)
    run("h1", "note", "CMP-2026-000001", "x", env=script)
    run("h1", "list", env={"COMPLAINTCTL_TOKEN": token[:-1] + "x"})
    run("h1", "list", env={"COMPLAINTCTL_TOKEN": token + "x"})
    run("admin", "staff", "token", "list", "--format", "json")
    run("admin", "staff", "token", "revoke", "1")
    run("h1", "list", env=script)
    run("admin", "audit", "log", "--limit", "500", "--format", "json")
    run("h2", "logout")
    errors = []
    for attempt in (lambda s: sessions.sign_in(session=s, username="h1", password=chosen,
                                               client="t"),
                    lambda s: sessions.verify(s, token)):
        with seeded.session(write=True) as s:
            try:
                attempt(s)
            except ComplaintError as error:
                errors.append(f"{error!s} {error!r} {error.args}")
    meta = MetaData()
    meta.reflect(seeded.engine)
    with seeded.engine.connect() as conn:
        rows = [repr(conn.execute(select(table)).all()) for table in meta.sorted_tables]
    places = {"outputs": "\n".join(outputs), "logs": caplog.text, "errors": "\n".join(errors),
              "rows": "\n".join(rows)}
    assert token.startswith("cct_") and len(errors) == 2
    leaks = [f"{where}: {secret[:6]}..." for where, text_ in places.items()
             for secret in secrets if secret in text_]
    print(f"\nleak scan, identity: {len(outputs)} outputs, {len(rows)} tables, "
          f"{len(secrets)} secrets; leaks: {len(leaks)}")
    assert not leaks, leaks
