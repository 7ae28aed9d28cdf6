"""The register form: the fields of ``register``, checked as they are typed by the rules
``register`` applies (``registration.validate_new``, ``money.parse_amount``), the decision's due
time shown before saving (the opening clock ``register`` will give it), saved through
``registration.register``. The customer's possible repeats (``registration.possible_repeats``)
are listed under the form as it is typed; ctrl+s registers it as new, ctrl+r merges it into
the first of them (``merging.register_merged``, CBIRC Art 18)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from complaintctl.domain.enums import Channel, Priority
from complaintctl.errors import ComplaintError
from complaintctl.i18n import N_, _, format_datetime, label
from complaintctl.tui.guard import problem
from complaintctl.tui.help import HelpScreen, bindings

#: the text fields, in ``register``'s order: (name, label)
TEXT_FIELDS = (
    ("customer", N_("Customer name *")), ("summary", N_("Summary *")),
    ("phone", N_("Phone")), ("email", N_("Email")), ("id_number", N_("ID number")),
    ("account", N_("Account or card")), ("customer_id", N_("Customer id")),
    ("group_size", N_("Complainants")), ("branch", N_("Branch")), ("product", N_("Product")),
    ("issue", N_("Issue")), ("description", N_("Description")), ("amount", N_("Amount")),
    ("currency", N_("Currency")), ("tags", N_("Tags (space-separated)")),
    ("received_at", N_("Received at")), ("source_ref", N_("Sender's reference")),
)
KEYS = (
    ("ctrl+s", "save", N_("Save: register the complaint")),
    ("ctrl+r", "merge", N_("Merge: register it into the first possible repeat")),
    ("escape", "back", N_("Back to the queue without saving")),
)
#: the fields a repeat is looked for again when they change
_REPEAT_FIELDS = {"phone", "email", "id_number", "account", "customer_id", "product", "issue",
                  "summary", "description"}


class RegisterScreen(Screen):
    KEYS = KEYS
    BINDINGS = bindings(KEYS)
    DEFAULT_CSS = """
    #r-head { height: 1; background: $primary; padding: 0 1; }
    #r-form { height: 1fr; }
    .r-row { height: 1; }
    .r-row Label { width: 22; }
    .r-row Input, .r-row Select { width: 1fr; height: 1; border: none; padding: 0 1; }
    .r-row Select > SelectCurrent { height: 1; border: none; padding: 0 1; }
    .r-bad { color: $error; }
    #r-due { height: 1; padding: 0 1; color: $success; }
    #r-problem { height: auto; padding: 0 1; color: $error; }
    #r-repeats { height: 1; padding: 0 1; color: $text-muted; }
    #r-hint { height: 1; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        from complaintctl.present import render

        yield Static(render.text(_("Register a complaint"), "bold"), id="r-head")
        with VerticalScroll(id="r-form"):
            with Horizontal(classes="r-row"):
                yield Label(render.text(_("Channel *")))
                yield Select([(label(c.value), c.value) for c in Channel], value="counter",
                             allow_blank=False, id="f-channel")
            with Horizontal(classes="r-row"):
                yield Label(render.text(_("Priority")))
                yield Select([(_("derived"), "")] + [(label(p.value), p.value) for p in Priority],
                             value="", allow_blank=False, id="f-priority")
            for name, text in TEXT_FIELDS:
                with Horizontal(classes="r-row"):
                    yield Label(render.text(_(text)), id=f"l-{name}")
                    yield Input(value={"currency": "CNY", "group_size": "1"}.get(name, ""),
                                placeholder=_(PLACEHOLDERS[name]) if name in PLACEHOLDERS
                                else "", id=f"f-{name}")
        yield Static("", id="r-due")
        yield Static("", id="r-problem")
        yield Static(render.text(_("Possible repeats: none listed.")), id="r-repeats")
        yield Static(render.text(_("ctrl+s save · Esc back · ? help")), id="r-hint")

    def on_mount(self) -> None:
        self.query_one("#f-customer", Input).focus()
        self.check()

    # --- as you type ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out = {name: self.query_one(f"#f-{name}", Input).value.strip() or None
               for name, _label in TEXT_FIELDS}
        out["channel"] = self.query_one("#f-channel", Select).value
        out["priority"] = self.query_one("#f-priority", Select).value or None
        return out

    def on_input_changed(self, event: Input.Changed) -> None:
        self.check(changed=(event.input.id or "").removeprefix("f-"))

    def check(self, changed: str | None = None) -> Any:
        """Check the form as ``register`` would; say the first problem, mark its field, show
        the due date. Returns the ``NewComplaint`` when nothing is wrong, else None."""
        from complaintctl.present import render

        for name, _label in TEXT_FIELDS:
            self.query_one(f"#l-{name}", Label).remove_class("r-bad")
        problem, bad, new = self.problem()
        if bad:
            self.query_one(f"#l-{bad}", Label).add_class("r-bad")
        self.query_one("#r-problem", Static).update(render.text(problem or "", cell=False))
        if changed in (None, "received_at") and bad != "received_at":
            self.show_due(new)
        if problem is None and changed in _REPEAT_FIELDS:
            self.show_repeats(new)
        return None if problem else new

    def show_repeats(self, new) -> None:
        """The customer's earlier complaints about the same matter, best first."""
        from complaintctl.present import render

        try:
            self.found = self.app.workspace.possible_repeats(new)
        except ComplaintError:
            self.found = []
        text = "  ".join(_("{number} ({score}: {reasons})").format(
            number=c.number, score=c.score, reasons=_("; ").join(c.reasons))
            for c in self.found)
        self.query_one("#r-repeats", Static).update(render.text(
            _("Possible repeats (ctrl+r merges into the first): {list}").format(list=text)
            if self.found else _("Possible repeats: none listed."), cell=False))

    def problem(self) -> tuple[str | None, str | None, Any]:
        """(the first problem, the field it is in, the complaint as typed)."""
        from complaintctl.domain import money
        from complaintctl.services.complaints.registration import validate_new

        v = self.values()
        for name, check in (("amount", money.parse_amount), ("group_size", _group_size),
                            ("received_at", self.received_at), ("phone", _phone)):
            try:
                check(v[name])
            except ComplaintError as error:
                return str(error), name, None
        new = self.new_complaint(v)
        try:  # the required two are said last, so that the others are checked meanwhile
            validate_new(replace(new, customer=new.customer or "-", summary=new.summary or "-"))
        except ComplaintError as error:
            return str(error), _field_named(str(error)), new
        for name in ("customer", "summary"):
            if not v[name]:
                return _("{field} is required.").format(field=_(dict(TEXT_FIELDS)[name])
                                                        .rstrip(" *")), name, new
        return None, None, new

    def received_at(self, text: str | None):
        if not text:
            return None
        from complaintctl.domain.clock import parse_timestamp

        return parse_timestamp(text, tz=self.app.workspace.zone())

    def new_complaint(self, v: dict[str, Any]):
        from complaintctl.services.complaints.registration import NewComplaint

        return NewComplaint(
            channel=Channel(v["channel"]), customer=v["customer"] or "",
            summary=v["summary"] or "", phone=v["phone"], email=v["email"],
            id_number=v["id_number"], account=v["account"], customer_id=v["customer_id"],
            group_size=int(v["group_size"] or 1), branch=v["branch"], product=v["product"],
            issue=v["issue"], description=v["description"], amount=v["amount"],
            currency=v["currency"] or "CNY", tags=(v["tags"] or "").split(),
            priority=Priority(v["priority"]) if v["priority"] else None,
            received_at=self.received_at(v["received_at"]), source_ref=v["source_ref"])

    def show_due(self, new) -> None:
        from complaintctl.domain.clock import iso
        from complaintctl.present import render

        try:
            ws = self.app.workspace
            due = ws.opening_due(new.received_at if new is not None else None)
            text = _("Decision due by {due} (the clock starts when it is registered).").format(
                due=format_datetime((iso(due, ws.zone()) or "")[:16]))
        except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
            text = problem(error)
        self.query_one("#r-due", Static).update(render.text(text, cell=False))

    # --- saving -----------------------------------------------------------------------------

    def action_merge(self) -> None:
        self.action_save(merge=True)

    def action_save(self, merge: bool = False) -> None:
        from complaintctl.domain.clock import iso
        from complaintctl.present import render

        new = self.check()
        if new is None:
            return
        ws = self.app.workspace
        into = self.found[0].number if merge and getattr(self, "found", None) else None
        if merge and into is None:
            return
        try:
            complaint = ws.register_merged(new, into) if into else ws.register(new)
        except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
            self.query_one("#r-problem", Static).update(render.text(problem(error), cell=False))
            return
        message = _("Registered {number}; decision due {due}.").format(
            number=complaint.number,
            due=format_datetime((iso(complaint.due_at, ws.zone()) or "")[:16])) if not into \
            else _("Registered {number} and merged it into {into} (CBIRC Art 18: the clock of "
                   "{into} stands; the customer is told).").format(number=complaint.number,
                                                                  into=into)
        self.app.pop_screen()
        queue = self.app.screen
        if hasattr(queue, "reload"):
            queue.reload()
            queue.say(message)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(_("Keys of the register form"), KEYS))


PLACEHOLDERS = {"phone": N_("e.g. 13812345678"), "email": N_("e.g. name@example.com"),
                "amount": N_("e.g. 1200.50"), "received_at": N_("default: now, bank time"),
                "branch": N_("default: yours")}


def _group_size(text: str | None) -> None:
    from complaintctl.errors import InvalidData

    if text and (not text.isdigit() or int(text) < 1):
        raise InvalidData(_("--group-size must be 1 or more."))


def _phone(text: str | None) -> None:
    """A phone number has 7 to 15 digits, with + - ( ) and spaces between (E.164's length);
    ``register`` itself stores what it is given."""
    from complaintctl.errors import InvalidData

    if not text:
        return
    digits = sum(ch.isdigit() for ch in text)
    if not (7 <= digits <= 15) or any(not (ch.isdigit() or ch in "+-() ") for ch in text):
        raise InvalidData(_("'{phone}' is not a phone number: 7 to 15 digits, with + - ( ) "
                            "and spaces allowed.").format(phone=text))


def _field_named(message: str) -> str | None:
    """The form's field a sentence of ``validate_new`` is about (to mark it), if it says."""
    lowered = message.lower()
    for name in ("email", "currency", "customer", "summary", "tag", "description"):
        if name in lowered:
            return "tags" if name == "tag" else name
    return None
