"""The cases of the permission test (tests/test_permissions_cli.py): who plays each role, and
how to run each command the README's table names, on a complaint in the state it needs or on an
object made through the CLI first (an incident, a drill, an import batch, a rectification
action), with the files it reads (a CSV, JSON Lines, a Maildir, a plan, a code table, a second
database).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import mailkit
from conftest import STAFF, Cli

ROLES = ["clerk", "handler", "supervisor", "auditor", "admin"]
#: who plays each role (conftest's seeded staff): BJ01 staff, and head office for the others
PLAYER = {"clerk": "clerk", "handler": "h1", "supervisor": "sup", "auditor": "aud",
          "admin": "admin"}
BRANCH_OF = {name: branch for name, _n, _r, branch in STAFF} | {"admin": None}
OWN, OTHER = "BJ01", "SH01"
#: a handler of each branch other than the players, for "assigned to someone else"
SOMEONE_ELSE = {OWN: "h2", OTHER: "h3"}
ASSIGNABLE = {"h1", "sup", "admin"}  # assign takes handlers, supervisors and admins


@dataclass
class Recipe:
    """How to run one command: the state its complaint must be in, or the object it acts on
    (OBJECTS; None: nothing), the arguments, and whether an allowed run changes the complaint
    or object (then it gets one of its own)."""

    state: str | None
    argv: Callable[[Case], list[str]]
    fresh: bool = False
    #: for a command on no complaint or object: writes the files it reads (tmp, case index)
    files: Callable[[Path, int], dict] | None = None


@dataclass
class Case:
    role: str
    command: str
    branch: str | None = None  # the complaint's branch (register: the --branch asked for)
    mine: bool | None = None  # assigned to the actor (True) or to someone else (False)
    number: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def user(self) -> str:
        return PLAYER[self.role]

    @property
    def assignee(self) -> str | None:
        if self.mine is None:
            return None
        return self.user if self.mine else SOMEONE_ELSE[self.branch]

    def label(self) -> str:
        where = "" if self.branch is None else f" {'own' if self.branch == OWN else 'other'} branch"
        whose = "" if self.mine is None else (", mine" if self.mine else ", someone else's")
        return f"{self.role} {self.command}{where}{whose}"


def _n(c: Case) -> list[str]:
    return [c.number]


RECIPES: dict[str, Recipe] = {
    "show": Recipe("investigating", lambda c: ["show", c.number, "--format", "json"]),
    "show --unmask": Recipe("investigating",
                            lambda c: ["show", c.number, "--unmask", "--format", "json"]),
    "list": Recipe(None, lambda c: ["list", "--format", "json"]),
    "list --unmask": Recipe(None, lambda c: ["list", "--unmask", "--format", "json"]),
    "evidence list": Recipe("investigating", lambda c: ["evidence", "list", c.number]),
    "evidence list --unmask": Recipe("investigating", lambda c: ["evidence", "list", c.number,
                                                                 "--unmask"]),
    "staff list": Recipe(None, lambda c: ["staff", "list"]),
    "config show": Recipe(None, lambda c: ["config", "show"]),
    "due": Recipe("investigating", lambda c: ["due", c.number]),
    "urgency": Recipe("investigating", lambda c: ["urgency", c.number]),
    "register": Recipe("register", lambda c: [
        "register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
        "--branch", c.branch]),
    "contact": Recipe("assigned", lambda c: ["contact", c.number, "--via", "phone",
                                             "--summary", "已受理"]),
    "note": Recipe("assigned", lambda c: ["note", c.number, "已调取流水"]),
    "verify-identity": Recipe("assigned", lambda c: ["verify-identity", c.number, "--method",
                                                     "counter_id_check"]),
    "review request": Recipe("closed", lambda c: ["review", "request", c.number], fresh=True),
    "assign": Recipe("assigned", lambda c: ["assign", c.number, "--to", c.extra["to"]],
                     fresh=True),
    "approve": Recipe("investigating", lambda c: ["approve", c.number, "--compensation", "5000"],
                      fresh=True),
    "sla check": Recipe(None, lambda c: ["sla", "check"]),
    "investigate": Recipe("assigned", lambda c: ["investigate", c.number], fresh=True),
    "pause": Recipe("investigating", lambda c: ["pause", c.number, "--reason", "appraisal",
                                                "--customer-notified-via", "phone"], fresh=True),
    "resume": Recipe("paused", lambda c: ["resume", c.number], fresh=True),
    "extend": Recipe("investigating", lambda c: ["extend", c.number, "--level", "1",
                                                 "--reason", "需要卡组织记录"], fresh=True),
    "consult": Recipe("investigating", lambda c: ["consult", c.number, "--department", "card_ops",
                                                  "--question", "扣了两次吗？"]),
    "answer": Recipe("consulted", lambda c: ["answer", c.number, c.extra["consultation"], "是"],
                     fresh=True),
    "evidence add": Recipe("investigating", lambda c: ["evidence", "add", c.number,
                                                       c.extra["file"]]),
    "resolve": Recipe("investigating", lambda c: [
        "resolve", c.number,
            "--reasons", "核实结果", "--basis", "合同条款",
            "--outcome", "not_upheld", "--findings", "已解释",
        "--notified-via", "phone", "--proof", "CALL-1"], fresh=True),
    "request-approval": Recipe("investigating", lambda c: [
        "request-approval", c.number, "--compensation", "5000", "--reason", "利息损失"],
        fresh=True),
    "notice": Recipe("resolved", lambda c: ["notice", c.number]),
    "notify-decision": Recipe("decided", lambda c: [
        "notify-decision", c.number, "--method", "phone", "--proof", "CALL-2"], fresh=True),
    "close": Recipe("resolved", lambda c: ["close", c.number, "--satisfaction", "4"], fresh=True),
    "reopen": Recipe("resolved", lambda c: ["reopen", c.number, "--reason", "新事实"], fresh=True),
    "review decide": Recipe("under_review", lambda c: [
        "review", "decide", c.number, "--result", "upheld", "--findings", "维持"], fresh=True),
    "withdraw": Recipe("assigned", lambda c: ["withdraw", c.number, "--reason", "客户撤回"],
                       fresh=True),
    "merge": Recipe("assigned", lambda c: ["merge", c.number, "--into", c.extra["into"]],
                    fresh=True),
    "archive": Recipe("closed", lambda c: ["archive", c.number], fresh=True),
    "audit verify": Recipe(None, lambda c: ["audit", "verify"]),
    "audit log": Recipe(None, lambda c: ["audit", "log", "--limit", "5"]),
    "audit log --unmask": Recipe(None, lambda c: ["audit", "log", "--limit", "5", "--unmask"]),
    "db check": Recipe(None, lambda c: ["db", "check"]),
    "notify list": Recipe(None, lambda c: ["notify", "list", "--limit", "3"]),
    "staff add": Recipe(None, lambda c: ["staff", "add", "newclerk", "--name", "新人",
                                         "--role", "clerk", "--branch", OWN]),
    "staff deactivate": Recipe(None, lambda c: ["staff", "deactivate", "spare"]),
    "staff activate": Recipe(None, lambda c: ["staff", "activate", "spare"]),
    "staff senior": Recipe(None, lambda c: ["staff", "senior", "spare"]),
    "staff conflict add": Recipe(None, lambda c: ["staff", "conflict", "add", "spare", "--kind",
                                                  "branch", "--value", OTHER]),
    "staff conflict list": Recipe(None, lambda c: ["staff", "conflict", "list"]),
    "staff conflict remove": Recipe(None, lambda c: ["staff", "conflict", "remove", "1"]),
    "db backup": Recipe(None, lambda c: ["db", "backup", c.extra["dest"]]),
    "db upgrade": Recipe(None, lambda c: ["db", "upgrade"]),
    "config set": Recipe(None, lambda c: ["config", "set", "sla.escalate_after_days", "3"]),
    "config load": Recipe(None, lambda c: ["config", "load", c.extra["toml"]]),
    "notify send": Recipe(None, lambda c: ["notify", "send", "--limit", "1"]),
    "export": Recipe(None, lambda c: ["export", "--format", "csv"]),
    "export --unmask": Recipe(None, lambda c: ["export", "--format", "csv", "--unmask"]),
    "report": Recipe(None, lambda c: ["report", "summary", "--format", "json"]),
    "monitor": Recipe(None, lambda c: ["monitor", "--format", "json"]),
    "org list": Recipe(None, lambda c: ["org", "list"]),
    "plan show": Recipe(None, lambda c: ["plan", "show"]),
    "plan history": Recipe(None, lambda c: ["plan", "history"]),
    "incident list": Recipe(None, lambda c: ["incident", "list"]),
    "incident detect": Recipe(None, lambda c: ["incident", "detect"]),
    "incident declare": Recipe(None, lambda c: ["incident", "declare", "--level", "IV",
                                                "--title", "年费批量重复扣收"]),
    "drill list": Recipe(None, lambda c: ["drill", "list"]),
    "rectify list": Recipe(None, lambda c: ["rectify", "list"]),
    "import list": Recipe(None, lambda c: ["import", "list"]),
    "rootcause set": Recipe("closed", lambda c: ["rootcause", "set", c.number, "--cause", "C03"],
                            fresh=True),
    "audit anchor": Recipe(None, lambda c: ["audit", "anchor"]),
    "hold": Recipe("closed", lambda c: ["hold", c.number, "--reason", "诉讼"], fresh=True),
    "release": Recipe("held", lambda c: ["release", c.number, "--reason", "诉讼结束"],
                      fresh=True),
    "purge": Recipe(None, lambda c: ["purge", "--dry-run"]),
}

def _id(key: str) -> Callable[[Case], str]:
    return lambda c: c.extra[key]


_incident, _drill, _action, _complaint = _id("incident"), _id("drill"), _id("action"), _id(
    "complaint")


def _csv(tmp: Path, i: int) -> dict:
    path = tmp / f"rows-{i}.csv"
    path.write_text("channel,customer_name,summary,external_ref\n"
                    f"phone,张伟,年费重复扣收,PERM-CSV-{i}\n", encoding="utf-8")
    return {"csv": str(path)}


def _jsonl(tmp: Path, i: int) -> dict:
    path = tmp / f"platform-{i}.jsonl"
    record = {"channel": "online", "customer": {"name": "张伟"}, "summary": "年费重复扣收",
              "external_ref": f"PERM-JSON-{i}"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"jsonl": str(path)}


def _maildir(tmp: Path, i: int) -> dict:
    box = mailkit.maildir(tmp / f"Maildir-{i}", [mailkit.plain(f"<perm-{i}@example.com>")])
    return {"maildir": str(box)}


def _central(tmp: Path, i: int) -> dict:
    return {"central": "sqlite:///" + str(tmp / f"central-{i}.db")}


def _org(tmp: Path, i: int) -> dict:
    return {"org": f"ZX{i}"}


RECIPES |= {
    "incident show": Recipe("incident", lambda c: ["incident", "show", _incident(c),
                                                   "--format", "json"]),
    "incident checklist": Recipe("incident", lambda c: ["incident", "checklist", _incident(c),
                                                        "--format", "json"]),
    "incident report": Recipe("incident", lambda c: ["incident", "report", _incident(c),
                                                     "--format", "json"]),
    "incident update": Recipe("incident", lambda c: ["incident", "update", _incident(c),
                                                     "--action", "行长已接待客户"]),
    "incident done": Recipe("incident", lambda c: ["incident", "done", _incident(c), "1"],
                            fresh=True),
    "incident escalate": Recipe("incident", lambda c: [
        "incident", "escalate", _incident(c), "--level", "III", "--reason", "人数增加"], fresh=True),
    "incident deescalate": Recipe("incident III", lambda c: [
        "incident", "deescalate", _incident(c), "--level", "IV", "--reason", "已缓解"], fresh=True),
    "incident close": Recipe("incident", lambda c: ["incident", "close", _incident(c),
                                                    "--review", "已妥善处置"], fresh=True),
    "incident link": Recipe("complaint", lambda c: ["incident", "link", _incident(c),
                                                    _complaint(c)], fresh=True),
    "incident declare --link": Recipe("complaint", lambda c: [
        "incident", "declare", "--level", "IV", "--title", "年费批量重复扣收",
        "--link", _complaint(c)], fresh=True),
    "incident overdue": Recipe(None, lambda c: ["incident", "overdue", "--format", "json"]),
    "drill run": Recipe(None, lambda c: ["drill", "run", "--scenario", "surge", "--level", "IV",
                                         "--simulate", "--json"]),
    "drill report": Recipe("drill", lambda c: ["drill", "report", _drill(c), "--format", "json"]),
    "drill close": Recipe("drill", lambda c: ["drill", "close", _drill(c), "--lessons",
                                              "总行报告晚了"], fresh=True),
    "import file": Recipe(None, lambda c: ["import", "file", c.extra["csv"], "--json"],
                          files=_csv),
    "import undo": Recipe("batch", lambda c: ["import", "undo", c.extra["batch"]], fresh=True),
    "intake json": Recipe(None, lambda c: ["intake", "json", c.extra["jsonl"], "--json"],
                          files=_jsonl),
    "intake mail": Recipe(None, lambda c: ["intake", "mail", "--maildir", c.extra["maildir"],
                                           "--json"], files=_maildir),
    "intake review list": Recipe(None, lambda c: ["intake", "review", "list", "--json"]),
    "intake review accept": Recipe("mail review", lambda c: [
        "intake", "review", "accept", c.extra["review"], "--customer", "张伟"], fresh=True),
    "intake review reject": Recipe("mail review", lambda c: [
        "intake", "review", "reject", c.extra["review"], "--reason", "垃圾邮件"], fresh=True),
    "org add": Recipe(None, lambda c: ["org", "add", c.extra["org"], "--name", "新网点"],
                      files=_org),
    "org move": Recipe(None, lambda c: ["org", "move", "ZC", "--parent", "ZP2"]),
    "plan load": Recipe(None, lambda c: ["plan", "load", c.extra["plan"]]),
    "rootcause load-codes": Recipe(None, lambda c: ["rootcause", "load-codes",
                                                    c.extra["codes"]]),
    "db migrate-to": Recipe(None, lambda c: ["db", "migrate-to", c.extra["central"],
                                             "--dry-run"], files=_central),
    "rectify open": Recipe(None, lambda c: ["rectify", "open", "--what", "修正年费规则",
                                            "--owner", "sup", "--due", "2099-12-31"]),
    "rectify open --link": Recipe("complaint", lambda c: [
        "rectify", "open", "--what", "修正年费规则", "--owner", "sup", "--due", "2099-12-31",
        "--link", _complaint(c)]),
    "rectify link": Recipe("action", lambda c: ["rectify", "link", _action(c), _complaint(c)],
                           fresh=True),
    "rectify show": Recipe("action", lambda c: ["rectify", "show", _action(c),
                                                "--format", "json"]),
    "rectify update": Recipe("action", lambda c: ["rectify", "update", _action(c), "--note",
                                                  f"进展 {c.extra['i']}"]),
}

#: what the object states stand for; BRANCHED ones belong to the case's branch (an import
#: batch of its complaints, a rectification action opened by its supervisor, a complaint)
OBJECTS = {"incident", "incident III", "drill", "batch", "action", "complaint", "mail review"}
BRANCHED = {"batch", "action", "complaint"}
SUPERVISOR_OF = {"BJ01": "sup", "SH01": "sup2"}


def _ok(cli: Cli, *argv: str, as_: str = "admin") -> str:
    run = cli(*argv, as_=as_)
    assert run.exit_code == 0, (argv, run.stderr)
    return run.stdout.strip()


def make_object(cli: Cli, kind: str, branch: str | None, tmp: Path, i: int) -> tuple[str, dict]:
    """An object of ``kind`` (of ``branch``) made through the CLI: (what a refusal names, the
    ids the command's arguments take)."""
    if kind in ("incident", "incident III"):
        level = "III" if kind == "incident III" else "IV"
        return "", {"incident": _ok(cli, "incident", "declare", "--level", level,
                                    "--title", "年费批量重复扣收")}
    if kind == "drill":
        run = json.loads(_ok(cli, "drill", "run", "--scenario", "surge", "--level", "IV",
                             "--simulate", "--json"))
        return "", {"drill": str(run["drill"])}
    if kind == "mail review":  # a message without a sender, queued by intake
        box = mailkit.maildir(tmp / f"Review-{i}", [mailkit.raw(
            "Subject: fee", f"Message-ID: <perm-review-{i}@example.com>")])
        run = json.loads(_ok(cli, "intake", "mail", "--maildir", str(box), "--json"))
        return "", {"review": str(run["messages"][0]["queued"])}
    if kind == "batch":
        path = tmp / f"batch-{i}.csv"
        path.write_text("channel,customer_name,summary,external_ref,branch\n"
                        f"phone,张伟,年费重复扣收,PERM-BATCH-{i},{branch}\n", encoding="utf-8")
        summary = json.loads(_ok(cli, "import", "file", str(path), "--json"))
        return summary["first_number"], {"batch": str(summary["batch"])}
    number = _ok(cli, "register", "--channel", "phone", "--customer", "张伟", "--summary",
                 "年费", "--branch", branch)
    if kind == "complaint":
        return number, {"complaint": number, "incident": make_object(
            cli, "incident", None, tmp, i)[1]["incident"]}
    assert kind == "action", kind
    action = _ok(cli, "rectify", "open", "--what", "修正年费规则", "--owner", "sup", "--due",
                 "2099-12-31", as_=SUPERVISOR_OF[branch])
    return f"rectification action {action}", {"action": action, "complaint": number}
