"""The queue: the acting user's complaints in five tabs (mine, my branch, unassigned, overdue,
due soon), most urgent first, narrowed by a filter line in the syntax of ``list``; the
countdown redrawn every few seconds."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from complaintctl.errors import ComplaintError
from complaintctl.i18n import N_, _, label, ngettext
from complaintctl.tui import cells
from complaintctl.tui.filterline import Query, parse
from complaintctl.tui.guard import problem
from complaintctl.tui.help import HelpScreen, bindings

TAB_NAMES = {"mine": N_("Mine"), "branch": N_("My branch"), "unassigned": N_("Unassigned"),
             "overdue": N_("Overdue"), "soon": N_("Due soon")}
KEYS = (
    ("m", "tab('mine')", N_("Tab: my complaints")),
    ("b", "tab('branch')", N_("Tab: my branch's complaints")),
    ("u", "tab('unassigned')", N_("Tab: unassigned complaints")),
    ("o", "tab('overdue')", N_("Tab: overdue complaints")),
    ("d", "tab('soon')", N_("Tab: due within two days")),
    ("slash", "filter", N_("Filter line: list options, e.g. --status assigned --text fee")),
    ("enter", "open", N_("Open the selected complaint")),
    ("n", "register", N_("Register a new complaint")),
    ("g", "reload", N_("Reload now (changes also appear by themselves)")),
)


class QueueScreen(Screen):
    KEYS = KEYS
    BINDINGS = bindings(KEYS)
    DEFAULT_CSS = """
    #who { height: 1; background: $primary; color: $text; padding: 0 1; }
    #filter { height: 3; }
    #queue { height: 1fr; }
    #status { height: 1; padding: 0 1; }
    #hint { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.tab = "mine"
        self.query_ = Query()
        self.rows: list[dict] = []
        self.fetched = 0.0

    def compose(self) -> ComposeResult:
        from complaintctl.present import render

        who = self.app.who
        yield Static(render.text(_("complaintctl workspace: {user} ({role}, {branch})").format(
            user=who.username, role=label(who.role), branch=who.branch or _("all branches"))),
            id="who")
        yield Tabs(*[Tab(_(name), id=f"tab-{key}") for key, name in TAB_NAMES.items()],
                   id="tabs")
        yield Input(placeholder=_("Filter: --status assigned --branch BJ01 --assignee h1 "
                                  "--text fee"), id="filter")
        table = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        for key, header in cells.COLUMNS:
            table.add_column(render.text(_(header)), key=key)
        yield table
        yield Static("", id="status")
        yield Static(render.text(_("Enter open · n register · / filter · m b u o d tabs · "
                                   "? help · ctrl+q quit")), id="hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()
        self.set_interval(self.app.tick, self.redraw_countdown)

    # --- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the service for the current tab's rows and draw them."""
        try:
            self.rows = self.app.workspace.queue(self.tab, self.query_, self.app.who)
        except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
            self.say(problem(error), error=True)
            self.rows = []
        self.fetched = time.monotonic()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(*cells.queue_cells(row), key=row["number"])
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        if not self.status_is_error:
            self.say(ngettext("{tab}: {count} complaint, most urgent first.",
                              "{tab}: {count} complaints, most urgent first.",
                              len(self.rows)).format(tab=_(TAB_NAMES[self.tab]),
                                                     count=len(self.rows)))

    status_is_error = False

    def say(self, text: str, *, error: bool = False) -> None:
        from complaintctl.present import render

        self.status_is_error = error
        self.query_one("#status", Static).update(render.text(text, "bold red" if error else None))

    def redraw_countdown(self) -> None:
        elapsed = time.monotonic() - self.fetched
        table = self.query_one(DataTable)
        for row in self.rows:
            table.update_cell(row["number"], "left", cells.countdown(row, elapsed))

    # --- events and actions -----------------------------------------------------------------

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        tab = (event.tab.id or "tab-mine").removeprefix("tab-")
        if tab != self.tab:
            self.tab = tab
            self.status_is_error = False
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter":
            return
        try:
            self.query_ = parse(event.value)
        except ComplaintError as error:
            self.say(str(error), error=True)
            return
        self.status_is_error = False
        self.reload()
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_complaint(str(event.row_key.value))

    def action_tab(self, tab: str) -> None:
        self.query_one(Tabs).active = f"tab-{tab}"

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and table.cursor_row is not None:
            self.app.open_complaint(self.rows[table.cursor_row]["number"])

    def action_register(self) -> None:
        self.app.open_register()

    def action_reload(self) -> None:
        self.status_is_error = False
        self.reload()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(_("Keys of the queue"), KEYS))
