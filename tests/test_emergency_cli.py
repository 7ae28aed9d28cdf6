"""CLI transcripts for plan, incident and drill: stdout, stderr and exit codes."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from complaintctl.domain.plan import default_text

DEFAULT_PLAN = default_text()

BANK = timezone(timedelta(hours=8))
T0 = (datetime.now(BANK) - timedelta(days=3)).replace(second=0, microsecond=0)


def at(minutes: int = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


def register(cli, n=1, minutes=0, *extra) -> list[str]:
    out = []
    for i in range(n):
        run = cli("register", "--channel", "phone", "--customer", f"客户{i}", "--summary",
                  "转账失败", "--product", "card", "--at", at(minutes), *extra, as_="clerk")
        assert run.exit_code == 0, run.stderr
        out.append(run.stdout.strip())
    return out


def js(run):
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


# --- plan ---------------------------------------------------------------------------------------


def test_plan_init_writes_the_default_and_refuses_to_overwrite(cli, tmp_path):
    target = tmp_path / "plan.toml"
    run = cli("plan", "init", str(target))
    assert (run.exit_code, run.stdout) == (0, "")
    assert target.read_text(encoding="utf-8") == DEFAULT_PLAN
    again = cli("plan", "init", str(target))
    assert again.exit_code == 2
    assert again.stderr == f"Error: {target} exists; pass --force to overwrite it.\n"
    assert cli("plan", "init", str(target), "--force").exit_code == 0


def test_plan_validate_names_each_problem_with_file_and_line(cli, tmp_path):
    target = tmp_path / "plan.toml"
    target.write_text(DEFAULT_PLAN.replace("same_cluster = 10", "same_cluster = ten"),
                      encoding="utf-8")
    line = DEFAULT_PLAN.splitlines().index(
        "same_cluster = 10                  # complaints with one product, issue or branch in "
        "the window") + 1
    run = cli("plan", "validate", str(target))
    assert run.exit_code == 5
    assert run.stderr.startswith("Error: The plan has 1 problem(s)")
    assert f"{target}:{line}: not valid TOML" in run.stderr
    target.write_text(DEFAULT_PLAN, encoding="utf-8")
    ok = cli("plan", "validate", str(target))
    assert ok.exit_code == 0 and "a valid plan" in ok.stderr
    assert cli("plan", "validate", str(tmp_path / "missing.toml")).exit_code == 5


def test_plan_load_show_and_history(cli, tmp_path):
    target = tmp_path / "plan.toml"
    target.write_text(DEFAULT_PLAN.replace('organisation = "The bank"',
                                           'organisation = "示例银行"'), encoding="utf-8")
    refused = cli("plan", "load", str(target), as_="sup")
    assert refused.exit_code == 4
    assert refused.stderr == ("Error: Permission denied: `plan load` needs the role admin; sup is a "
                              "supervisor.\n")
    loaded = cli("plan", "load", str(target))
    assert (loaded.exit_code, loaded.stderr) == (0, "Stored plan version 2.\n")
    same = cli("plan", "load", str(target))
    assert same.stderr == "The plan is unchanged (version 2); nothing stored.\n"
    shown = js(cli("plan", "show", "--format", "json", as_="clerk"))
    assert shown["version"] == 2 and shown["plan"]["organisation"] == "示例银行"
    assert [lv["level"] for lv in shown["plan"]["levels"]] == [1, 2, 3, 4]
    toml = cli("plan", "show", "--format", "toml", "--version", "1")
    assert toml.stdout == DEFAULT_PLAN
    assert [h["version"] for h in js(cli("plan", "history", "--format", "json"))] == [1, 2]
    table = cli("plan", "show")
    assert table.exit_code == 0 and "IV" in table.stdout and "示例银行" in table.stdout
    assert cli("plan", "show", "--version", "9").exit_code == 1


# --- incidents ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_detect_then_list_show_checklist_done_and_report(cli):
    numbers = register(cli, 5)
    # the fifth registration opened the incident in its transaction (CBIRC Art 29, issue 24):
    # detection after it finds nothing new
    again = cli("incident", "detect", "--as-of", at(5), as_="sup")
    assert (again.exit_code, again.stdout) == (0, "")
    assert "Nothing new" in again.stderr
    [row] = js(cli("incident", "list", "--format", "json", as_="clerk"))
    assert set(row) >= {"id", "level", "status", "title", "trigger", "complaints",
                        "declared_at"}
    assert (row["level"], row["status"], row["trigger"]) == (4, "active", "same_cluster")
    assert sorted(row["complaints"]) == numbers
    iid = str(row["id"])
    table = cli("incident", "list")
    assert " IV " in table.stdout
    items = js(cli("incident", "checklist", iid, "--format", "json"))
    assert [(i["item"], i["key"], i["state"]) for i in items] == [
        (1, "supervisor_assigned", "overdue"), (2, "daily_review", "overdue")]
    done = cli("incident", "done", iid, "1", "--at", at(30), as_="h1")
    assert done.exit_code == 0
    assert done.stderr == f"Item 1 of incident {iid} done: Supervisor assigned.\n"
    twice = cli("incident", "done", iid, "1", as_="h1")
    assert twice.exit_code == 2 and "already done" in twice.stderr
    assert cli("incident", "done", iid, "9", as_="h1").exit_code == 1
    shown = js(cli("incident", "show", iid, "--format", "json"))
    assert shown["checklist"][0]["result"] == "met"
    md = cli("incident", "report", iid, "--format", "md")
    assert md.exit_code == 0 and md.stdout.startswith(f"# Incident report #{iid}:")
    assert "**Missing elements:** cause, nature," in md.stdout
    # moments are shown to the minute in bank time, as in the tables; JSON keeps ISO 8601
    assert not re.search(r"\d\d:\d\d:\d\d", md.stdout), md.stdout
    done_at = shown["checklist"][0]["done_at"]
    assert f"| {done_at[:10]} {done_at[11:16]} |" in md.stdout
    zh = cli("--lang", "zh", "incident", "report", iid, "--format", "md")
    assert "**缺失要素：** " in zh.stdout and not re.search(r"\d\d:\d\d:\d\d", zh.stdout)
    day = done_at[:10].split("-")
    assert f"| {int(day[0])}年{int(day[1])}月{int(day[2])}日 {done_at[11:16]} |" in zh.stdout
    report = js(cli("incident", "report", iid, "--format", "json", "--issue", "first",
                    "--at", at(40), as_="sup"))
    assert "report_times.first" not in report["missing"]
    assert cli("incident", "report", iid, "--issue", "first", as_="sup").exit_code == 2


@pytest.mark.slow
def test_declare_link_update_escalate_deescalate_close(cli, tmp_path):
    numbers = register(cli, 2)
    declared = cli("incident", "declare", "--level", "III", "--title", "网点群访", "--link",
                   numbers[0], "--at", at(1), as_="sup")
    assert declared.exit_code == 0
    iid = declared.stdout.strip()
    assert declared.stderr == (f"Declared incident {iid} at level III; see `complaintctl "
                               f"incident checklist {iid}`.\n")
    linked = cli("incident", "link", iid, numbers[1], "--at", at(2), as_="sup")
    assert linked.stderr == f"Linked {numbers[1]} to incident {iid}.\n"
    update = cli("incident", "update", iid, "--action", "Met the group", "--cause", "c",
                 "--people", "30", "--at", at(3), as_="clerk")
    assert (update.exit_code, update.stderr) == (0, f"Incident {iid} updated.\n")
    nothing = cli("incident", "update", iid, as_="clerk")
    assert nothing.exit_code == 2 and "Nothing to record" in nothing.stderr
    up = cli("incident", "escalate", iid, "--level", "2", "--reason", "30 people", "--at",
             at(4), as_="sup")
    assert up.stderr == f"Incident {iid} is level II; its checklist was re-planned.\n"
    wrong = cli("incident", "escalate", iid, "--level", "IV", "--reason", "x", as_="sup")
    assert wrong.exit_code == 2
    down = cli("incident", "deescalate", iid, "--level", "3", "--reason", "calmer", "--at",
               at(5), as_="sup")
    assert down.exit_code == 0
    items = js(cli("incident", "checklist", iid, "--format", "json"))
    assert [(i["level"], i["state"]) for i in items] == [
        (3, "superseded"), (3, "superseded"), (2, "superseded"), (2, "superseded"),
        (2, "superseded"), (3, "overdue"), (3, "overdue")]
    closed = cli("incident", "close", iid, "--review", "Calmed", "--root-cause", "script",
                 "--rectify", "Retrain staff|sup|2026-12-31", "--at", at(6), as_="sup")
    assert (closed.exit_code, closed.stderr) == (0, f"Incident {iid} closed.\n")
    after = cli("incident", "update", iid, "--action", "late", as_="sup")
    assert after.exit_code == 3
    assert after.stderr == f"Error: Incident {iid} is closed; nothing can change it now.\n"
    data = js(cli("incident", "show", iid, "--format", "json"))
    assert data["rectifications"][0]["due"].startswith("2026-12-31T23:59:59")
    out = tmp_path / "r.html"
    html = cli("incident", "report", iid, "--format", "html", "-o", str(out))
    assert html.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert cli("incident", "list", "--status", "closed", "--format", "json").stdout.count(
        '"id"') == 1


@pytest.mark.parametrize("args,code,message", [
    (["incident", "show", "99"], 1, "Error: No incident 99; see `complaintctl incident list`.\n"),
    (["incident", "declare", "--level", "V", "--title", "x"], 5,
     "Error: 'V' is not a level; use 1-4 or I-IV (1 = I, the most severe).\n"),
    (["incident", "declare", "--level", "2", "--title", " "], 5,
     "Error: The title (--title) is required and cannot be blank.\n"),
    (["incident", "link", "1", "CMP-2026-999999"], 1, None),
    (["drill", "run", "--scenario", "fire", "--level", "2"], 2,
     "Error: 'fire' is not a scenario; use surge, group-visit, outage, media, regulator.\n"),
    (["drill", "run", "--scenario", "surge", "--level", "4", "--complaints", "10"], 5,
     "Error: 10 injected complaints would fire level III, not IV; change --complaints.\n"),
    (["drill", "report", "7"], 1, "Error: No drill 7; see `complaintctl drill list`.\n"),
    (["drill", "close", "x", "--lessons", "y"], 1, None),
])
def test_bad_input_gets_one_sentence_and_its_exit_code(cli, args, code, message):
    run = cli(*args, as_="sup")
    assert run.exit_code == code, run.stderr
    if message is not None:
        assert run.stderr == message
    assert "Traceback" not in run.stderr


def test_a_clerk_may_not_declare_and_the_refusal_is_audited(cli):
    run = cli("incident", "declare", "--level", "2", "--title", "x", as_="clerk")
    assert run.exit_code == 4
    assert run.stderr == ("Error: Permission denied: `incident declare` needs the role supervisor or "
                          "admin; clerk is a clerk.\n")
    log = js(cli("audit", "log", "--format", "json", as_="aud"))
    assert log[-1]["kind"] == "refusal" and log[-1]["action"] == "incident declare"


def test_incident_overdue_flags_once(cli):
    iid = cli("incident", "declare", "--level", "4", "--title", "x", "--at", at(0),
              as_="sup").stdout.strip()
    first = js(cli("incident", "overdue", "--format", "json", as_="sup"))
    assert [(r["incident"], r["key"]) for r in first] == [
        (int(iid), "supervisor_assigned"), (int(iid), "daily_review")]
    assert js(cli("incident", "overdue", "--format", "json", as_="sup")) == []


# --- drills ---------------------------------------------------------------------------------------


def test_drill_run_simulate_report_close_and_list(cli, tmp_path):
    delays = tmp_path / "delays.toml"
    delays.write_text("detect = 12\nfirst_contact = 30\n[items]\non_site = 45\n"
                      "report_head_office = 150\nwritten_report = \"miss\"\n", encoding="utf-8")
    run = cli("drill", "run", "--scenario", "group-visit", "--level", "II", "--simulate",
              "--delays", str(delays), "--at", at(0), "--json", as_="sup")
    result = js(run)
    assert set(result) >= {"drill", "complaints", "incident"} and result["level"] == 2
    assert run.stderr.startswith(f"Drill {result['drill']} started: 1 complaints injected")
    drill = str(result["drill"])
    report = js(cli("drill", "report", drill, "--format", "json"))
    assert [(i["action"], i["result"], i["minutes"]) for i in report["items"]] == [
        ("Branch head on site", "met", 45),
        ("Report to head office (and to the PBoC for a group visit)", "late", 150),
        ("Written report to head office", "missed", None)]
    assert report["detection_delay_minutes"] == 12 and report["score"] == 70
    for item in report["items"]:
        assert set(item) >= {"action", "due", "done_at", "result", "minutes"}
    md = cli("drill", "report", drill, "--format", "md")
    assert "| 2 | Report to head office" in md.stdout and "late" in md.stdout
    table = cli("drill", "report", drill)
    assert table.exit_code == 0 and "70/100" in table.stdout
    assert "Gap: Item 2" in table.stderr
    closed = cli("drill", "close", drill, "--lessons", "Report sooner", "--revision",
                 "Name a deputy", as_="sup")
    assert (closed.exit_code, closed.stderr) == (0, f"Drill {drill} closed.\n")
    assert cli("drill", "close", drill, "--lessons", "again", as_="sup").exit_code == 3
    [row] = js(cli("drill", "list", "--format", "json"))
    assert (row["drill"], row["score"], row["closed_at"] is not None) == (int(drill), 70, True)
    listed = cli("drill", "list")
    assert "Next drill due:" in listed.stderr


def test_drill_run_without_simulate_prints_the_id_and_bad_delays_are_named(cli, tmp_path):
    run = cli("drill", "run", "--scenario", "surge", "--level", "4", as_="sup")
    assert run.exit_code == 0 and run.stdout.strip().isdigit()
    bad = tmp_path / "d.toml"
    bad.write_text("detect = -3\n", encoding="utf-8")
    refused = cli("drill", "run", "--scenario", "surge", "--level", "4", "--simulate",
                  "--delays", str(bad), as_="sup")
    assert refused.exit_code == 5 and f"{bad}:1: detect must be whole minutes" in refused.stderr
    alone = cli("drill", "run", "--scenario", "surge", "--level", "4", "--delays", str(bad),
                as_="sup")
    assert alone.exit_code == 5


def test_drill_complaints_stay_out_of_list_csv_and_export_unless_asked(cli):
    real = register(cli, 1)
    drill = js(cli("drill", "run", "--scenario", "surge", "--level", "4", "--json", as_="sup"))
    listed = [r["number"] for r in js(cli("list", "--format", "json"))]
    assert listed == real
    csv = cli("list", "--format", "csv").stdout
    assert all(n not in csv for n in drill["complaints"]) and real[0] in csv
    everything = [r["number"] for r in js(cli("list", "--include-drills", "--format", "json"))]
    assert everything == real + drill["complaints"]
    assert js(cli("incident", "list", "--format", "json")) == []

    def exported(*extra):
        run = cli("export", "--format", "jsonl", *extra)
        assert run.exit_code == 0, run.stderr
        return [json.loads(line)["number"] for line in run.stdout.splitlines() if line]

    assert exported() == real
    assert exported("--include-drills") == real + drill["complaints"]
    assert exported("--tag", "drill") == drill["complaints"]


def test_every_emergency_command_has_help_with_an_example(cli):
    from complaintctl.cli.emergency import drill_app, incident_app, plan_app

    for app, name in ((plan_app, "plan"), (incident_app, "incident"), (drill_app, "drill")):
        for command in app.registered_commands:
            run = cli(name, command.name, "--help", as_=None)
            assert run.exit_code == 0, (name, command.name)
            assert "Example:" in run.stdout and f"complaintctl {name} {command.name}" in run.stdout


@pytest.mark.slow
def test_the_demo_has_one_incident_and_one_scored_drill(db):
    from tests.conftest import actor

    from complaintctl.services.admin.demo import build
    from complaintctl.services.emergency import drills, incidents as emergency, incident_report

    build(db)
    with db.session() as s:
        [incident] = emergency.list_incidents(session=s, actor=actor("admin"))
        report = incident_report.build(session=s, actor=actor("admin"), incident_id=incident["id"])
        [drill] = drills.list_drills(session=s, actor=actor("admin"))
    assert incident["level"] == 3 and len(incident["complaints"]) == 1
    assert report["missing"] == []
    assert drill["detection_delay_minutes"] == 8 and drill["score"] == 88


def test_an_import_runs_detection_after_it_commits(cli, tmp_path):
    when = (datetime.now(BANK) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    rows = ["external_ref,channel,customer_name,summary,branch,product,received_at"]
    rows += [f"EXT-{i},phone,客户{i},转账失败,BJ01,card,{when}" for i in range(5)]
    source = tmp_path / "five.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = cli("import", str(source), "--json", as_="sup")
    summary = js(run)
    assert summary["imported"] == 5
    [found] = summary["incidents"]
    assert (found["action"], found["level"]) == ("opened", 4)
    assert len(js(cli("incident", "list", "--format", "json"))) == 1
    quiet = cli("import", str(source), "--json", as_="sup")  # all known: nothing new
    assert js(quiet)["incidents"] == []


def test_the_registration_opens_the_incident_and_notify_list_shows_the_team(cli):
    register(cli, 5)
    [opened] = js(cli("incident", "list", "--format", "json"))
    opened["incident"] = opened["id"]
    assert opened["level"] == 4
    again = js(cli("sla", "check", "--as-of", at(10), "--format", "json", as_="sup"))
    assert again["hooks"]["emergency"]["detected"] == []
    notes = js(cli("notify", "list", "--format", "json"))
    told = sorted(n["to"] for n in notes if n["subject"].startswith(  # supervisors, handlers
        f"[complaintctl] Incident {opened['incident']}: declared at level IV"))
    assert told == sorted(f"{u}@bank.example" for u in ("h1", "h2", "h3", "sup", "sup2"))
