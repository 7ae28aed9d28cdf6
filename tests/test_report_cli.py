"""The report and monitor commands: the JSON contract, every format, refusals and exit codes,
the HTML picture in a real browser, the workbook read back, drills left out."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import Cli, actor

AS_OF = "2025-12-01T12:00"
T0 = datetime(2025, 11, 3, 2, 0, tzinfo=timezone.utc)
REPORTS = ["summary", "sla", "aging", "trend", "outcomes", "satisfaction", "handlers",
           "root-causes", "regulatory"]


@pytest.fixture(scope="module")
def seeded_once(database_factory):
    from complaintctl.services.admin import staff
    from conftest import STAFF

    db = database_factory("cli")
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=actor("admin"), username=username, name=name,
                      role=role, branch=branch)
    yield db
    db.engine.dispose()


@pytest.fixture(scope="module")
def data(seeded_once):
    """Six November 2025 complaints in BJ01 and SH01, one of them a drill, two decided."""
    seeded = seeded_once
    admin = actor("admin")
    specs = [("BJ01", "借记卡", Channel.phone, [], "closed"),
             ("BJ01", "借记卡", Channel.counter, ["elderly"], "resolved"),
             ("BJ01", "=HYPERLINK(\"x\")", Channel.online, [], "open"),
             ("SH01", "loan", Channel.email, [], "open"),
             ("SH01", "loan", Channel.regulator, [], "registered"),
             ("BJ01", "借记卡", Channel.phone, ["drill"], "registered")]
    with seeded.session(write=True) as s:
        for i, (branch, product, channel, tags, target) in enumerate(specs):
            t = T0 + timedelta(days=i)
            referral = channel is Channel.regulator  # its reference and deadline (Art 33)
            c = svc.register(session=s, actor=admin, at=t, new=NewComplaint(
                channel=channel, customer="张伟", summary=f"s{i}", branch=branch,
                product=product, tags=tags, received_at=t,
                source_ref="CBIRC-SH-1" if referral else None,
                regulator_due=(t + timedelta(days=15)).date().isoformat() if referral else None))
            if target == "registered":
                continue
            handler = "h1" if branch == "BJ01" else "h3"
            handling.assign(session=s, actor=admin, number=c.number, to=handler,
                       at=t + timedelta(hours=1))
            if target == "open":
                continue
            handling.investigate(session=s, actor=admin, number=c.number, at=t + timedelta(hours=2))
            decisions.resolve(
                reasons="核实结果", basis="合同条款", proof="CALL-1",
                session=s, actor=admin, number=c.number, outcome=Outcome.upheld,
                        findings="f", remedies=[RemedyInput.parse("compensation:120.50")],
                        notified_via=ContactVia.phone, at=t + timedelta(days=2))
            if target == "closed":
                decisions.close(session=s, actor=admin, number=c.number, satisfaction=5,
                          at=t + timedelta(days=3))
    return Cli(seeded)


def report_json(cli, *args, as_="admin"):
    run = cli("report", *args, "--as-of", AS_OF, "--format", "json", as_=as_)
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_the_json_contract_is_one_object_with_report_period_by_rows_totals(data):
    out = report_json(data, "summary", "--period", "2025-11", "--by", "product")
    assert list(out) == ["report", "period", "by", "rows", "totals"]
    assert out["report"] == "summary" and out["by"] == "product"
    assert out["period"] == {"from": "2025-11-01", "to": "2025-11-30"}
    assert out["rows"] == [
        {"product": "=HYPERLINK(\"x\")", "received": 1, "decided": 0, "closed": 0, "open": 1,
         "registered_late": 0, "repeats": 0, "repeat_rate": 0.0},
        {"product": "loan", "received": 2, "decided": 0, "closed": 0, "open": 2,
         "registered_late": 0, "repeats": 0, "repeat_rate": 0.0},
        {"product": "借记卡", "received": 2, "decided": 2, "closed": 1, "open": 1,
         "registered_late": 0, "repeats": 0, "repeat_rate": 0.0},
    ]
    assert out["totals"] == {"received": 5, "decided": 2, "closed": 1, "open": 4,
                             "registered_late": 0, "repeats": 0, "repeat_rate": 0.0}


def test_drill_complaints_are_left_out_unless_asked_for(data):
    plain = report_json(data, "summary", "--period", "2025-11")
    drills = report_json(data, "summary", "--period", "2025-11", "--include-drills")
    assert (plain["totals"]["received"], drills["totals"]["received"]) == (5, 6)


def test_from_to_is_an_inclusive_range_of_days(data):
    out = report_json(data, "summary", "--from", "2025-11-04", "--to", "2025-11-05")
    assert out["period"] == {"from": "2025-11-04", "to": "2025-11-05"}
    assert out["totals"]["received"] == 2


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md", "html"])
def test_every_report_renders_in_every_format(data, name, fmt):
    run = data("report", name, "--period", "2025-Q4", "--as-of", AS_OF, "--format", fmt)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.strip()
    if fmt == "json":
        assert json.loads(run.stdout)["report"] == name
    if fmt == "html":
        assert run.stdout.startswith("<!DOCTYPE html>") and "<svg" in run.stdout


def test_csv_has_the_json_keys_as_header_and_neutralises_formulas(data):
    run = data("report", "summary", "--period", "2025-11", "--by", "product", "--format", "csv",
               "--as-of", AS_OF)
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0]) == ["product", "received", "decided", "closed", "open",
                             "registered_late", "repeats", "repeat_rate"]
    assert rows[0]["product"] == "'=HYPERLINK(\"x\")"


def test_markdown_has_a_title_and_a_total_row(data):
    run = data("report", "sla", "--period", "2025-11", "--format", "md", "--as-of", AS_OF,
               "--by", "branch")
    assert run.stdout.startswith("# Decision timeliness")
    assert "| BJ01 | 2 | 2 | 0 | 0 | 100.0% |" in run.stdout
    assert "| **Total** | **2** |" in run.stdout
    single = data("report", "sla", "--period", "2025-11", "--format", "md", "--as-of", AS_OF)
    assert "Total" not in single.stdout  # one row without --by: it is the total


def test_the_terminal_shows_a_bar_chart_and_a_sparkline(data):
    bars = data("report", "summary", "--period", "2025-11", "--by", "branch", "--as-of", AS_OF)
    assert "█" in bars.stdout and "BJ01" in bars.stdout
    trend = data("report", "trend", "--period", "2025-11", "--as-of", AS_OF)
    assert "Received: " in trend.stdout and any(ch in trend.stdout for ch in "▂▃▄▅▆▇█")


@pytest.mark.parametrize("args,code,message", [
    (["summary", "--format", "xlsx"], 2, "--format xlsx writes a file: add -o FILE.xlsx."),
    (["summary", "--period", "2025-13"], 2, "'2025-13' is not a period"),
    (["summary", "--period", "2025", "--from", "2025-01-01"], 2, "Give either --period or"),
    (["summary", "--from", "2025-02-01", "--to", "2025-01-01"], 2, "is before --from"),
    (["handlers", "--by", "product"], 2, "--by product does not fit this report"),
    (["summary", "--by", "status"], 2, "--by status does not fit this report"),
    (["regulatory", "--by", "product"], 2,
     "--by product does not fit this report; it takes no --by."),
    (["root-causes", "--by", "channel"], 2,
     "--by channel does not fit this report; it takes no --by."),
    (["summary", "--format", "csv", "-o", "/nonexistent-dir/q.csv"], 1,
     "Cannot use /nonexistent-dir/q.csv: No such file or directory."),
    (["summary", "--format", "xlsx", "-o", "/nonexistent-dir/q.xlsx"], 1,
     "Cannot use /nonexistent-dir/q.xlsx: No such file or directory."),
])
def test_bad_options_exit_with_one_sentence(data, args, code, message):
    run = data("report", *args)
    assert run.exit_code == code
    assert message in run.stderr and "Traceback" not in run.stderr


def test_branch_staff_cannot_report_on_another_branch(data):
    run = data("report", "summary", "--branch", "SH01", as_="sup")
    assert run.exit_code == 4
    assert "works for branch BJ01 and cannot report on branch SH01" in run.stderr
    own = report_json(data, "summary", "--period", "2025-11", as_="sup")
    assert own["totals"]["received"] == 3


def test_the_workbook_has_a_sheet_per_table_numbers_as_numbers_and_a_frozen_header(data, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "q4.xlsx"
    run = data("report", "regulatory", "--period", "2025-Q4", "--as-of", AS_OF, "--format",
               "xlsx", "-o", str(path))
    assert run.exit_code == 0, run.stderr
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 6  # jrt a, b, c, fca, cfpb, repeats
    fca = book[book.sheetnames[3]]
    assert fca.freeze_panes == "A2"
    header = [c.value for c in fca[1]]
    assert header[:3] == ["Product", "Opened", "Closed"]
    expected = [r for r in report_json(data, "regulatory", "--period", "2025-Q4")["rows"]
                if r["section"] == "fca"]
    for row, want in zip(fca.iter_rows(min_row=2, values_only=True), expected, strict=False):
        assert row[0] == (want["product"] if not want["product"].startswith("=")
                          else "'" + want["product"])
        assert row[1] == want["received"] and isinstance(row[1], int)
        assert row[8] == float(want["redress_paid"])
    total_row = list(fca.iter_rows(min_row=fca.max_row, values_only=True))[0]
    assert total_row[0] == "Total" and total_row[1] == 5
    assert fca.cell(row=2, column=9).number_format == "#,##0.00"


def test_monitor_json_fields(data):
    run = data("monitor", "--format", "json", "--as-of", "2025-11-08T09:00")
    assert run.exit_code == 0, run.stderr
    out = json.loads(run.stdout)
    assert list(out) == ["as_of", "branch", "open", "open_by_status", "overdue", "due_24h",
                         "unassigned", "escalations", "incidents", "rectifications_overdue",
                         "last_24h", "satisfaction_trend", "next_drill_due",
                         "drill_overdue"]
    # the current state (C0 closed, C1 resolved, C2 and C3 assigned, C4 registered; the drill
    # left out) with the times measured from --as-of
    assert out["open"] == 4 and out["open_by_status"] == {"assigned": 2, "registered": 1,
                                                          "resolved": 1}
    assert out["unassigned"] == 1 and out["overdue"] == 0
    assert out["due_24h"] == 0 and out["incidents"] == [] and out["escalations"] == 0
    # C4 came in at 10:00 on 7 Nov, inside the last 24 h; BJ01 had receipts in the 30 days before
    assert {r["branch"]: r["last_24h"] for r in out["last_24h"]["by_branch"]} == \
        {"BJ01": 0, "SH01": 1}
    sh01 = next(r for r in out["last_24h"]["by_branch"] if r["branch"] == "SH01")
    assert sh01 == {"branch": "SH01", "last_24h": 1, "baseline_daily": 0.03, "spike": False}
    assert len(out["satisfaction_trend"]) == 8
    assert out["satisfaction_trend"][-1] == {"week": "2025-W45", "responses": 1, "mean": 5.0}
    assert out["satisfaction_trend"][0]["mean"] is None


README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def documented(text: str, key: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(key)}(?![\w])", text) is not None


def keys_of(value) -> set[str]:
    """Every key of a JSON value, nested objects and lists of objects included."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


@pytest.mark.parametrize("name", REPORTS)
def test_the_readme_documents_every_key_of_every_report(data, name):
    section = README[README.index("Row keys"):README.index("Period bucketing")]
    bullet = section[section.index(f"- **{name}**"):]
    if name != "regulatory":
        bullet = bullet[:bullet.index("\n- ")]
    by = {"aging": [], "trend": [], "handlers": [], "root-causes": [], "regulatory": []}.get(
        name, ["--by", "product"])
    out = report_json(data, name, "--period", "2025-Q4", *by)
    keys = keys_of(out["rows"]) | keys_of(out["totals"])
    assert out["rows"] and keys
    missing = sorted(k for k in keys - {"product"} if not documented(bullet, k))
    assert missing == [], f"{name}: undocumented keys {missing}"


def test_the_readme_documents_every_monitor_field(cli):
    """Every field and nested field, with an incident and an overdue rectification present."""
    assert cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
               "--branch", "BJ01", "--at", "2025-11-03T08:00").exit_code == 0
    assert cli("incident", "declare", "--level", "II", "--title", "群体投诉",
               "--at", "2025-11-03T09:00").exit_code == 0
    assert cli("rectify", "open", "--what", "修订规则", "--owner", "h1", "--due", "2025-11-01",
               as_="sup").exit_code == 0
    out = json.loads(cli("monitor", "--format", "json", "--as-of", "2025-11-03T12:00").stdout)
    text = README[README.index("`complaintctl monitor"):]
    text = text[:text.index("\n\n")]
    assert out["incidents"] and out["rectifications_overdue"] and out["last_24h"]["by_product"]
    missing = sorted(k for k in keys_of(out) - set(out["open_by_status"])
                     if not documented(text, k))
    assert missing == []


def test_monitor_counts_overdue_and_due_soon(data):
    out = json.loads(data("monitor", "--format", "json", "--as-of", "2025-11-21T12:00").stdout)
    # due 15 days after the day of receipt, at 23:59:59 bank time
    assert out["overdue"] == 1  # C2, received 5 Nov, due 20 Nov
    assert out["due_24h"] == 1  # C3, received 6 Nov, due 21 Nov (C4 is due 22 Nov)


def test_monitor_watch_redraws_until_interrupted(data, monkeypatch):
    import complaintctl.present.reports.monitor as screen

    calls = []

    def sleep(seconds):
        calls.append(seconds)
        if len(calls) > 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(screen.time, "sleep", sleep)
    run = data("monitor", "--watch", "5", "--as-of", "2025-11-08T09:00")
    assert run.exit_code == 0 and calls == [5, 5]
    assert "complaintctl monitor" in run.stdout


# --- the HTML picture in a real browser ----------------------------------------------------------


def read_png(path: Path, max_rows: int | None = None) -> tuple[int, int, list[bytes]]:
    """Width, height and the first RGB rows of an 8-bit RGB or RGBA PNG (Chromium's)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(
        width * channels)
    for y in range(min(height, max_rows or height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 255
        previous = line
        rgb = bytes(line) if channels == 3 else bytes(
            b for j in range(0, stride, 4) for b in line[j:j + 3])
        rows.append(rgb)
    return width, height, rows


def pixels(rows: list[bytes], y0: int, y1: int):
    for row in rows[y0:y1]:
        for x in range(0, len(row), 3):
            yield row[x:x + 3]


@pytest.mark.slow
def test_the_html_report_renders_in_headless_chromium_with_its_title_and_chart(data, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does it)")
    page = tmp_path / "summary.html"
    run = data("report", "summary", "--period", "2025-11", "--by", "product", "--as-of", AS_OF,
               "--format", "html", "-o", str(page))
    assert run.exit_code == 0, run.stderr
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "name='viewport'" in html and "@media print" in html
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", f"--screenshot={shot}",
                        "--window-size=1000,1400", page.as_uri()],
                       capture_output=True, timeout=120, check=False)
    assert shot.exists(), "Chromium wrote no screenshot"
    width, height, rows = read_png(shot, max_rows=700)  # the title and the chart are up there
    assert (width, height) == (1000, 1400)
    colours = {bytes(p) for p in pixels(rows, 0, 700)}
    assert len(colours) > 50, "the page is blank"
    # the title band: the masthead's dark blue with white title text inside it
    band = [bytes(p) for p in pixels(rows, 0, 60)]
    assert sum(p == bytes.fromhex("1a365d") for p in band) > 20_000
    assert sum(min(p) > 235 for p in band) > 200, "no title text in the masthead"
    # the chart: bars in the first series colour
    assert sum(bytes(p) == bytes.fromhex("2b6cb0") for p in pixels(rows, 60, 700)) > 2_000


def test_monitor_shows_active_incidents_with_overdue_checklist_items_and_the_next_drill(cli):
    declared = cli("incident", "declare", "--level", "II", "--title", "网点群体投诉",
                   "--at", "2025-11-03T09:00")
    assert declared.exit_code == 0, declared.stderr
    out = json.loads(cli("monitor", "--format", "json", "--as-of", "2025-11-03T09:30").stdout)
    [incident] = out["incidents"]
    assert (incident["level"], incident["title"], incident["complaints"]) == (2, "网点群体投诉", 0)
    assert incident["overdue_items"] == 0  # level II: on site within 1 h, report within 2 h
    later = json.loads(cli("monitor", "--format", "json", "--as-of", "2025-11-04T12:00").stdout)
    assert later["incidents"][0]["overdue_items"] >= 2
    assert later["next_drill_due"] is not None and isinstance(later["drill_overdue"], bool)
    screen = cli("--lang", "en", "monitor", "--as-of", "2025-11-04T12:00",
                 env={"COLUMNS": "200"})
    late = later["incidents"][0]["overdue_items"]
    assert (f"Incident {incident['id']} (level II): 网点群体投诉; 0 complaint(s), {late} "
            "checklist item(s) overdue") in screen.stdout


def test_sla_counts_a_decision_within_an_extension_and_the_pauses_used(cli):
    """The clock's extend and pause (issue 4) feed the sla report."""
    reg = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
              "--branch", "BJ01", "--at", "2025-09-01T10:00")
    number = reg.stdout.strip()
    for args in (["assign", number, "--to", "h1", "--at", "2025-09-01T11:00"],
                 ["investigate", number, "--at", "2025-09-01T12:00"],
                 ["pause", number, "--reason", "appraisal", "--customer-notified-via", "phone",
                  "--at", "2025-09-02T10:00"],
                 ["resume", number, "--at", "2025-09-03T10:00"],
                 ["extend", number, "--level", "1", "--reason", "complex", "--at",
                  "2025-09-10T10:00"],
                 ["resolve", number,
                     "--reasons", "核实结果", "--basis", "合同条款",
                     "--outcome", "not_upheld", "--findings", "f",
                  "--notified-via", "phone", "--proof", "CALL-1", "--at", "2025-09-25T10:00"]):
        run = cli(*args, as_="sup")
        assert run.exit_code == 0, (args, run.stderr)
    out = json.loads(cli("report", "sla", "--period", "2025-09", "--format", "json").stdout)
    row = out["rows"][0]
    assert (row["decided"], row["within_15_days"], row["within_extension"], row["late"]) == \
        (1, 0, 1, 0)
    assert (row["extensions"], row["pauses"]) == (1, 1)


def sla_totals(cli, period):
    run = cli("report", "sla", "--period", period, "--format", "json", "--as-of", "2025-12-01")
    assert run.exit_code == 0, run.stderr
    totals = json.loads(run.stdout)["totals"]
    return (totals["decided"], totals["within_15_days"], totals["within_extension"],
            totals["late"], totals["extensions"])


def test_a_late_decision_stays_late_after_a_reopen_moves_the_due_time(cli):
    """A reopen restarts the clock and moves due_at; the first decision is still judged by the
    due time of its day, also for a database the 0008 upgrade backfills from the timeline."""
    import importlib.util

    from sqlalchemy import text

    from complaintctl.store.schema import MIGRATIONS_DIR

    versions = MIGRATIONS_DIR / "versions"
    number = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
                 "--branch", "BJ01", "--at", "2025-09-01T10:00").stdout.strip()
    for args in (["assign", number, "--to", "h1", "--at", "2025-09-01T11:00"],
                 ["investigate", number, "--at", "2025-09-01T12:00"],
                 ["resolve", number,
                     "--reasons", "核实结果", "--basis", "合同条款",
                     "--outcome", "not_upheld", "--findings", "f",
                  "--notified-via", "phone", "--proof", "CALL-1", "--at", "2025-09-25T10:00"],
                 ["close", number, "--satisfaction", "4", "--at", "2025-09-26T10:00"],
                 ["reopen", number, "--reason", "新情况", "--at", "2025-09-27T10:00"]):
        run = cli(*args, as_="sup")
        assert run.exit_code == 0, (args, run.stderr)
    shown = json.loads(cli("show", number, "--format", "json").stdout)
    assert shown["due_at"] > "2025-10-01"  # moved by the reopen past the 25 Sep decision
    assert sla_totals(cli, "2025-09") == (1, 0, 0, 1, 0)
    regulatory = json.loads(cli("report", "regulatory", "--period", "2025-Q3", "--format",
                                "json", "--as-of", "2025-12-01").stdout)
    assert (regulatory["totals"]["cfpb"]["timely"], regulatory["totals"]["cfpb"]["responses"]) \
        == (0, 1)
    # a database from before 0008: the column empty, so the moved due_at is all there is
    with cli.database.engine.begin() as conn:
        conn.execute(text("UPDATE complaint SET decision_due_at = NULL"))
    assert sla_totals(cli, "2025-09") == (1, 1, 0, 0, 0)  # the mistake the column prevents
    path = next(versions.glob("0008_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with cli.database.engine.begin() as conn:
        migration._backfill(conn)
    with cli.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT decision_due_at FROM complaint")).scalar()
    stored = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    assert stored.replace(tzinfo=None) == datetime(2025, 9, 16, 15, 59, 59)  # 23:59:59 +08
    assert sla_totals(cli, "2025-09") == (1, 0, 0, 1, 0)


def test_an_extension_asked_for_but_never_approved_is_not_counted(cli):
    number = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
                 "--branch", "BJ01", "--at", "2025-10-01T10:00").stdout.strip()
    for args, who in ((["assign", number, "--to", "h1", "--at", "2025-10-01T11:00"], "sup"),
                      (["investigate", number, "--at", "2025-10-01T12:00"], "h1"),
                      (["extend", number, "--level", "1", "--reason", "复杂", "--at",
                        "2025-10-03T10:00"], "h1"),
                      (["resolve", number,
                          "--reasons", "核实结果", "--basis", "合同条款",
                          "--outcome", "not_upheld", "--findings", "f",
                        "--notified-via", "phone", "--proof", "CALL-1", "--at", "2025-10-05T10:00"], "h1")):
        run = cli(*args, as_=who)
        assert run.exit_code == 0, (args, run.stderr)
    approvals = json.loads(cli("show", number, "--format", "json").stdout)["approvals"]
    assert [(a["kind"], a["status"]) for a in approvals] == [("extension", "pending")]
    assert sla_totals(cli, "2025-10") == (1, 1, 0, 0, 0)


def test_monitor_counts_the_complaints_sla_check_escalated(cli):
    for day in (3, 20):
        run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
                  "--branch", "BJ01", "--at", f"2025-11-{day:02d}T10:00")
        assert run.exit_code == 0, run.stderr
    before = json.loads(cli("monitor", "--format", "json", "--as-of", "2025-11-25T12:00").stdout)
    assert (before["overdue"], before["escalations"]) == (1, 0)
    check = cli("sla", "check", "--as-of", "2025-11-25T12:00", "--format", "json")
    assert check.exit_code == 0, check.stderr
    after = json.loads(cli("monitor", "--format", "json", "--as-of", "2025-11-25T12:00").stdout)
    assert (after["overdue"], after["escalations"]) == (1, 1)  # the 3 Nov one, due 18 Nov
