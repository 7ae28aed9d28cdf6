"""One complaint: its details (masked for the role, as ``show``; unmasked only on request, with
a reason, on the audit trail), timeline, evidence and consultations, and its actions on keys."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from complaintctl.i18n import N_, _, format_amount, label, term
from complaintctl.tui import cells
from complaintctl.tui.actions import ACTIONS, BY_KEY
from complaintctl.tui.forms import ActionForm, Field
from complaintctl.tui.guard import problem
from complaintctl.tui.help import HelpScreen, bindings

KEYS = (
    *((a.key, f"act('{a.key}')", a.title) for a in ACTIONS),
    ("v", "unmask", N_("Unmask the personal data (asks why; audited)")),
    ("g", "reload", N_("Reload now")),
    ("escape", "back", N_("Back to the queue")),
)


class ComplaintScreen(Screen):
    KEYS = KEYS
    BINDINGS = bindings(KEYS)
    DEFAULT_CSS = """
    #c-head { height: 1; background: $primary; padding: 0 1; }
    #c-body { height: 1fr; padding: 0 1; }
    #c-status { height: 1; padding: 0 1; }
    #c-hint { height: 1; background: $panel; padding: 0 1; }
    .section { margin: 1 0 0 0; }
    """

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.data: dict[str, Any] | None = None
        self.unmasked_reason: str | None = None
        self.evidence_rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        from complaintctl.present import render

        yield Static("", id="c-head")
        with VerticalScroll(id="c-body"):
            for part in ("details", "timeline", "evidence", "consultations"):
                yield Static("", id=f"c-{part}", classes="section")
        yield Static("", id="c-status")
        yield Static(render.text(_("a c i k r x e p: actions · v unmask · Esc back · ? help")),
                     id="c-hint")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the complaint again (still unmasked if it was: each read is audited)."""
        ws = self.app.workspace
        try:
            self.data = ws.show(self.number, unmask=self.unmasked_reason is not None,
                                reason=self.unmasked_reason)
            self.evidence_rows = ws.evidence(self.number)
        except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
            self.say(problem(error), error=True)
            return
        self.draw(self.data, self.evidence_rows)

    def draw(self, d: dict[str, Any], evidence: list[dict[str, Any]]) -> None:
        from complaintctl.present import render

        head = _("{number} · {status} · {priority} · due {due}").format(
            number=d["number"], status=label(d["status"]), priority=label(d["priority"]),
            due=cells.when(d.get("due_at")))
        self.query_one("#c-head", Static).update(render.text(head, "bold"))
        self.query_one("#c-details", Static).update(details_table(d, self.unmasked_reason))
        self.query_one("#c-timeline", Static).update(timeline_table(d["events"]))
        self.query_one("#c-evidence", Static).update(evidence_table(evidence))
        self.query_one("#c-consultations", Static).update(
            consultations_table(d["consultations"]))

    def say(self, text: str, *, error: bool = False) -> None:
        from complaintctl.present import render

        self.query_one("#c-status", Static).update(
            render.text(text, "bold red" if error else "green", cell=False))

    # --- actions ----------------------------------------------------------------------------

    def action_act(self, key: str) -> None:
        action = BY_KEY[key]
        ws, number = self.app.workspace, self.number

        def submit(values):
            return action.run(ws, number, values)

        if not action.fields:  # nothing to ask: act at once, say what happened
            try:
                self.done(submit({}))
            except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
                self.say(problem(error), error=True)
            return
        self.app.push_screen(ActionForm(_("{action}: {number}").format(
            action=_(action.title), number=number), list(action.fields), submit), self.done)

    def done(self, message: str | None) -> None:
        if message:
            self.reload()
            self.say(message)

    def action_unmask(self) -> None:
        ws, number = self.app.workspace, self.number

        def submit(values):
            reason = values["reason"]
            data = ws.show(number, unmask=True, reason=reason)  # refused: said in the form
            self.unmasked_reason = reason
            self.data = data
            return _("Personal data shown in full; the unmasking is on the audit trail.")

        def shown(message: str | None) -> None:  # drawn from the one audited read
            if message and self.data is not None:
                self.draw(self.data, self.evidence_rows)
                self.say(message)

        self.app.push_screen(ActionForm(_("Unmask {number}").format(number=number),
                                        [Field("reason", N_("Why you need the personal data"))],
                                        submit), shown)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(_("Keys of a complaint"), KEYS))


# --- the sections, as Rich tables of inert text --------------------------------------------------

def _table(title: str, columns: list[str]):
    from rich.table import Table

    from complaintctl.present import render

    table = Table(title=render.title_text(title), title_justify="left", expand=True,
                  show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(render.text(column), overflow="fold")
    return table


def details_table(d: dict[str, Any], unmasked: str | None):
    from rich.table import Table

    from complaintctl.present import render

    customer = d.get("customer") or {}
    amount = format_amount(d["amount"], d.get("currency")) if d.get("amount") else "-"
    pairs = [
        (_("Customer"), customer.get("name")), (_("Phone"), customer.get("phone")),
        (_("Email"), customer.get("email")), (_("ID number"), customer.get("id_number")),
        (_("Account"), customer.get("account")), (_("Channel"), label(d["channel"])),
        (_("Branch"), d.get("branch")), (_("Assignee"), d.get("assignee")),
        (_("Product"), d.get("product")), (_("Issue"), d.get("issue")),
        (_("Amount"), amount), (_("Received"), cells.when(d.get("received_at"))),
        (_("Time left"), cells.countdown(d)), (_("Summary"), d.get("summary")),
        (_("Description"), d.get("description")),
    ]
    if d.get("outcome"):
        pairs.append((_("Outcome"), label(d["outcome"])))
        pairs.append((_("Findings"), d.get("findings")))
    title = (_("Details (unmasked: {reason})").format(reason=unmasked) if unmasked
             else _("Details (personal data masked)"))
    table = Table(title=render.title_text(title), title_justify="left", show_header=False,
                  box=None, expand=True, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold", ratio=1)
    for name, value in pairs:
        table.add_row(render.text(name), value if not isinstance(value, (str, type(None)))
                      else render.text(value or "-"))
    return table


def timeline_table(events: list[dict[str, Any]]):
    from complaintctl.present import render

    table = _table(_("Timeline"), [_("When"), _("Who"), _("Action"), _("Status")])
    for e in events:
        status = label(e.get("to_status")) if e.get("to_status") else ""
        table.add_row(render.text(cells.when(e["at"])), render.text(e["actor"]),
                      render.text(term(e["action"])), render.text(status))
    return table


def evidence_table(rows: list[dict[str, Any]]):
    from complaintctl.present import render

    table = _table(_("Evidence"), [_("File"), _("Description"), _("Added by")])
    for e in rows:
        table.add_row(render.text(e["filename"]), render.text(e.get("description") or "-"),
                      render.text(e["added_by"]))
    if not rows:
        table.add_row(render.text(_("none")), render.text(""), render.text(""))
    return table


def consultations_table(rows: list[dict[str, Any]]):
    from complaintctl.present import render

    table = _table(_("Consultations"), [_("Department"), _("Question"), _("Answer")])
    for q in rows:
        table.add_row(render.text(q["department"]), render.text(q["question"]),
                      render.text(q.get("answer") or _("(waiting)")))
    if not rows:
        table.add_row(render.text(_("none")), render.text(""), render.text(""))
    return table
