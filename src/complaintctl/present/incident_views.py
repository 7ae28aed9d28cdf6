"""How the emergency plan, incidents and drills look: tables on a terminal, and the incident
and drill reports as Markdown, self-contained HTML or JSON. Levels are Roman in tables."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from complaintctl.present import render
from complaintctl.domain.incident_report import ELEMENTS
from complaintctl.domain.plan import roman, shipped_text
from complaintctl.i18n import _, code, duration, format_datetime, language, scenario, term


def write(text: str, output: Path | None, *, exact: bool = False) -> None:
    """A finished document to stdout (made inert on a terminal unless ``exact``: JSON), or
    to ``output`` (with a note on stderr)."""
    if output is None:
        render.document(text if text.endswith("\n") else text + "\n", exact=exact)
        return
    from complaintctl.infra.files import write_private

    write_private(output, text)
    render.message(_("Wrote {path}.").format(path=output))


def _roman_rows(rows: list[dict[str, Any]], key: str = "level") -> list[dict[str, Any]]:
    return [dict(r, **{key: roman(r[key]) if r.get(key) else r.get(key)}) for r in rows]


# --- plan ---------------------------------------------------------------------------------------


def plan(data: dict[str, Any], fmt: str) -> None:
    if fmt == "toml":
        write(data["text"], None)
        return

    def draw(d: dict[str, Any]) -> None:
        p = d["plan"]
        render.fields([
            (_("Plan"), shipped_text(p["name"])),
            (_("Organisation"), shipped_text(p["organisation"])),
            (_("Version"), _("{version} ({source}, {by}, {at})").format(
                version=d["version"], source=code(d["source"]), by=d["loaded_by"],
                at=format_datetime(d["loaded_at"][:16]) if d["loaded_at"] else "")),
            (_("Window"), duration(f"{p['detection']['window_minutes']}m")),
            (_("Drills"), _("every {n} months").format(n=p["drills"]["every_months"])),
        ], title=_("Emergency plan"))
        rows = []
        for lv in p["levels"]:
            t = lv["triggers"]
            triggers = [_("tag {tag}").format(tag=x) for x in t["tags"]]
            if t["in_person_group_size"]:
                triggers.append(_("group >= {n} in person").format(n=t["in_person_group_size"]))
            if t["same_cluster"]:
                triggers.append(_(">= {n} on one product/issue/branch").format(n=t["same_cluster"]))
            if t["amount_at_least"]:
                triggers.append(_("amount >= {n}").format(n=t["amount_at_least"]))
            triggers += ["+".join(c) for c in t["tag_combinations"]]
            rows.append({
                "level": roman(lv["level"]), "name": shipped_text(lv["name"]),
                "team": f"{code(lv['commander'])} / {code(lv['deputy'])}"
                        + (f" → {_(', ').join(code(r) for r in lv['notify'])}"
                           if lv["notify"] else ""),
                "triggers": _("; ").join(triggers),
                "timetable": _("; ").join(f"{shipped_text(i['action'])} ≤ {_duration(i['within_minutes'])}"
                                          for i in lv["timetable"]),
            })
        # "Name" is a person's (姓名) elsewhere; here it is the level's
        name = _("Name (of a level)") if language() == "zh" else _("Name")
        render.table(rows, [("level", _("Level")), ("name", name),
                            ("team", _("Commander / deputy → notify")),
                            ("triggers", _("Triggers")), ("timetable", _("Timetable"))],
                     title=_("Levels"))

    render.emit(data, fmt, draw=draw)


def _duration(m: int | None) -> str:
    if m is None:
        return "-"
    if m % 1440 == 0:
        return duration(f"{m // 1440}d")
    return duration(f"{m // 60}h" if m % 60 == 0 else f"{m}m")


def plan_history(rows: list[dict[str, Any]], fmt: str) -> None:
    table = [dict(r, short=r["digest"][:12]) for r in rows]
    render.emit(rows if fmt == "json" else table, fmt, columns=[
        ("version", _("Version")), ("name", _("Name")), ("source", _("Source")),
        ("loaded_by", _("By")), ("loaded_at", _("Loaded")), ("incidents", _("Incidents")),
        ("short", "SHA-256")], title=_("Plan versions"))


# --- incidents ----------------------------------------------------------------------------------


def incident_list(rows: list[dict[str, Any]], fmt: str) -> None:
    table = [dict(r, level=roman(r["level"]), complaints=len(r["complaints"]),
                  drill=r["drill"] or "") for r in rows]
    render.emit(rows if fmt == "json" else table, fmt, columns=[
        ("id", _("Id")), ("level", _("Level")), ("status", _("Status")), ("title", _("Title")),
        ("trigger", _("Trigger")), ("complaints", _("Complaints")),
        ("declared_at", _("Declared")), ("drill", _("Drill"))],
        title=_("Incidents ({count})").format(count=len(rows)), empty=_("No incidents."))


def checklist(rows: list[dict[str, Any]], fmt: str, *, title: str | None = None) -> None:
    shown = [dict(r, person=code(r["person"]), action=shipped_text(r["action"]))  # a role: 主管
             for r in _roman_rows(rows)]
    render.emit(rows if fmt == "json" else shown, fmt, columns=[
        ("item", "#"), ("action", _("Action")), ("person", _("Responsible")),
        ("level", _("Level")), ("due", _("Due")), ("done_at", _("Done")),
        ("state", _("State")), ("result", _("Result"))],
        title=title or _("Checklist"), empty=_("No checklist items."))


def incident(data: dict[str, Any], fmt: str) -> None:
    def draw(d: dict[str, Any]) -> None:
        render.fields([
            (_("Level"), f"{roman(d['level'])} ({d['level']})"),
            (_("Status"), term(d["status"])),
            (_("Trigger"), term(d["trigger"])), (_("Cluster"), d["cluster"]),
            (_("Declared"), f"{format_datetime((d['declared_at'] or '')[:16])} "
                            + _("by") + f" {d['declared_by']}"),
            (_("Complaints"), d["complaints"]), (_("Drill"), d["drill"]),
            (_("Place"), d["place"]), (_("Cause"), d["cause"]), (_("Nature"), d["nature"]),
            (_("Closed"), d["closed_at"]), (_("Review"), d["review"]),
            (_("Root cause"), d["root_cause"]),
        ], title=f"#{d['id']} {d['title']}")
        checklist(d["checklist"], "table")
        render.table(d["timeline"], [("at", _("When")), ("by", _("Who")), ("kind", _("Kind")),
                                     ("text", _("What"))], title=_("Timeline"))

    render.emit(data, fmt, draw=draw)


def detect_results(rows: list[dict[str, Any]], fmt: str) -> None:
    render.emit(rows if fmt == "json" else _roman_rows(rows), fmt, columns=[
        ("incident", _("Incident")), ("action", _("Action")), ("level", _("Level")),
        ("cluster", _("Cluster")), ("linked", _("Linked")), ("why", _("Why"))],
        title=_("Detection"), empty=_("Nothing new: no trigger fired that is not already "
                                      "handled."))


# --- the incident report ------------------------------------------------------------------------


def _when(value: Any) -> str:
    """A moment in a report for people: ``2026-11-28 09:30`` / ``2026年11月28日 09:30`` (bank
    time, to the minute); JSON keeps the full ISO 8601."""
    return format_datetime(value) if value else ""


def _value_text(name: str, value: Any) -> str:
    if name == "level":
        return f"{roman(value)} ({value})"
    if name == "time":
        parts = [_("started") + f" {_when(value['started'])}",
                 _("declared") + f" {_when(value['declared'])}"]
        if value.get("closed"):
            parts.append(_("closed") + f" {_when(value['closed'])}")
        return "; ".join(parts)
    if name == "report_times":
        parts = []
        if value["first"]:
            parts.append(_("first") + f" {_when(value['first'])}")
        parts += [_("follow-up") + f" {_when(t)}" for t in value["followups"]]
        if value["final"]:
            parts.append(_("final") + f" {_when(value['final'])}")
        return "; ".join(parts)
    if name == "organisation":
        return shipped_text(value) or ""
    if isinstance(value, list):
        return "; ".join(
            " ".join(str(x) for x in (_when(v.get("at") or v.get("due")),
                                      v.get("by") or v.get("owner"),
                                      shipped_text(v.get("what"))) if x)
            for v in value)
    return "" if value is None else str(value)


def element_labels() -> dict[str, str]:
    """The incident report's elements by name, as the report's documents label them."""
    return {
        "organisation": _("Organisation"), "place": _("Place"), "time": _("Time"),
        "cause": _("Cause"), "nature": _("Nature"), "level": _("Level"),
        "amount": _("Amount involved"), "people": _("People involved"),
        "harm_scope": _("Harm and scope"), "customer_reaction": _("Customer reaction"),
        "trend": _("Trend"), "measures_taken": _("Measures taken"),
        "measures_planned": _("Measures planned"), "reporter": _("Reporter"),
        "report_times": _("Report times"),
    }


def report_document(data: dict[str, Any], fmt: str) -> str:
    """The incident report as Markdown or HTML; every element is named, missing ones marked."""
    labels = element_labels()
    missing_label = _("MISSING")
    rows = []
    for name in ELEMENTS:
        text = _value_text(name, data["elements"][name])
        absent = [m for m in data["missing"] if m == name or m.startswith(name + ".")]
        if absent:
            text = (text + " " if text else "") + f"[{missing_label}: {', '.join(absent)}]"
        rows.append((labels[name], text, bool(absent)))
    title = _("Incident report #{id}: {title}").format(id=data["incident"], title=data["title"])
    meta = _("Level {level} ({n}), {status}; generated {at}").format(
        level=data["level_name"], n=data["level"], status=term(data["status"]),
        at=_when(data["generated_at"]))
    missing = ", ".join(data["missing"]) or _("none")
    checklist_rows = [(str(i["item"]), shipped_text(i["action"]), code(i["person"]),
                       _when(i["due"]), _when(i["done_at"]), term(i["result"] or i["state"]))
                      for i in data["checklist"]]
    heads = ["#", _("Action"), _("Responsible"), _("Due"), _("Done"), _("Result")]
    if fmt == "md":
        def esc(s: str) -> str:
            return s.replace("|", "\\|").replace("\n", " ")

        out = [f"# {esc(title)}", "", meta, "",
               f"**{_('Missing elements')}{_(':')}** {missing}", "",
               "| " + _("Element") + " | " + _("Value") + " |", "|---|---|"]
        out += [f"| {esc(label)} | {esc(text)} |" for label, text, _m in rows]
        out += ["", "## " + _("Checklist"), "", "| " + " | ".join(heads) + " |",
                "|" + "---|" * len(heads)]
        out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in checklist_rows]
        if data.get("review"):
            out += ["", "## " + _("Review"), "", esc(data["review"])]
        return "\n".join(out) + "\n"
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(meta)}</p>",
            f"<p class='missing'><strong>{e(_('Missing elements'))}:</strong> {e(missing)}</p>",
            f"<table><tr><th>{e(_('Element'))}</th><th>{e(_('Value'))}</th></tr>"]
    body += [f"<tr{' class=missing' if m else ''}><th>{e(label)}</th><td>{e(text)}</td></tr>"
             for label, text, m in rows]
    body += ["</table>", f"<h2>{e(_('Checklist'))}</h2>", "<table><tr>"
             + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>"]
    body += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in checklist_rows]
    body.append("</table>")
    if data.get("review"):
        body += [f"<h2>{e(_('Review'))}</h2>", f"<p>{e(data['review'])}</p>"]
    return _html_page(title, "\n".join(body))


def _html_page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%;margin:1rem 0}"
        "th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}"
        ".missing{color:#a00}</style></head><body>\n" + body + "\n</body></html>\n"
    )


def _json(data: dict[str, Any], output: Path | None) -> None:
    import json

    if output is None:
        render.emit_json(data)
    else:
        write(json.dumps(data, ensure_ascii=False, indent=2), output, exact=True)


def incident_report(data: dict[str, Any], fmt: str, output: Path | None = None) -> None:
    if fmt == "json":
        _json(data, output)
    else:
        write(report_document(data, fmt), output)


# --- drills -------------------------------------------------------------------------------------


def drill_list(rows: list[dict[str, Any]], fmt: str) -> None:
    render.emit(rows if fmt == "json" else _roman_rows(rows), fmt, columns=[
        ("drill", _("Drill")), ("scenario", _("Scenario")), ("level", _("Level")),
        ("simulated", _("Simulated")), ("started_at", _("Started")), ("closed_at", _("Closed")),
        ("complaints", _("Complaints")), ("incident", _("Incident")),
        ("detection_delay_minutes", _("Detection (min)")), ("score", _("Score"))],
        title=_("Drills"), empty=_("No drills yet; start one with `complaintctl drill run`."))


def drill_document(d: dict[str, Any], fmt: str) -> str:
    title = _("Drill report #{id}: {scenario}, level {level}").format(
        id=d["drill"], scenario=scenario(d["scenario"]), level=d["level_name"])
    facts = [
        (_("Started"), _when(d["started_at"])), (_("Closed"), _when(d["closed_at"]) or "-"),
        (_("Simulated"), _("yes") if d["simulated"] else _("no")),
        (_("Incident"), str(d["incident"] or "-")),
        (_("Detection delay (min)"), str(d["detection_delay_minutes"])),
        (_("First customer contact (min)"), str(d["first_contact_minutes"])),
        (_("Acknowledged in time"), _("{n}/{total} (within {m} min)").format(
            n=d["acknowledged_in_time"], total=d["complaints"],
            m=d["acknowledge_within_minutes"])),
        (_("Score"), f"{d['score']}/100"),
        (_("Lessons"), d["lessons"] or "-"),
    ]
    heads = ["#", _("Action"), _("Due"), _("Done"), _("Result"), _("Minutes"), _("Allowed")]
    items = [(str(i["item"]), shipped_text(i["action"]), _when(i["due"]), _when(i["done_at"]),
              term(i["result"]),
              "" if i["minutes"] is None else str(i["minutes"]), str(i["allowed_minutes"]))
             for i in d["items"]]
    if fmt == "md":
        out = [f"# {title}", ""] + [f"- **{k}{_(':')}** {v}" for k, v in facts]
        out += ["", "## " + _("Timetable"), "", "| " + " | ".join(heads) + " |",
                "|" + "---|" * len(heads)]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in items]
        out += ["", "## " + _("Gaps found"), ""] + [f"- {g}" for g in d["gaps"] or [_("none")]]
        if d["revisions"]:
            out += ["", "## " + _("Proposed plan revisions"), ""] + [f"- {r}" for r in
                                                                     d["revisions"]]
        return "\n".join(out) + "\n"
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", "<table>"]
    body += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts]
    body += ["</table>", f"<h2>{e(_('Timetable'))}</h2><table><tr>"
             + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>"]
    body += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in items]
    body += ["</table>", f"<h2>{e(_('Gaps found'))}</h2><ul>"]
    body += [f"<li>{e(g)}</li>" for g in d["gaps"] or [_("none")]]
    body.append("</ul>")
    return _html_page(title, "\n".join(body))


def drill_report(data: dict[str, Any], fmt: str, output: Path | None = None) -> None:
    if fmt == "json":
        _json(data, output)
    elif fmt in ("md", "html"):
        write(drill_document(data, fmt), output)
    else:
        render.fields([(k, v) for k, v in [
            (_("Scenario"), scenario(data["scenario"])), (_("Level"), data["level_name"]),
            (_("Started"), data["started_at"]), (_("Incident"), data["incident"]),
            (_("Detection delay (min)"), data["detection_delay_minutes"]),
            (_("First customer contact (min)"), data["first_contact_minutes"]),
            (_("Acknowledged in time"), f"{data['acknowledged_in_time']}/{data['complaints']}"),
            (_("Score"), f"{data['score']}/100")]], title=_("Drill {id}").format(id=data["drill"]))
        render.table([dict(i, action=shipped_text(i["action"])) for i in data["items"]], [
            ("item", "#"), ("action", _("Action")), ("due", _("Due")), ("done_at", _("Done")),
            ("result", _("Result")), ("minutes", _("Minutes")),
            ("allowed_minutes", _("Allowed"))], title=_("Timetable"), empty=_("No items."))
        for gap in data["gaps"]:
            render.message(_("Gap: {gap}").format(gap=gap))
