"""A small modal form: labelled inputs and choices, Enter (or ctrl+s) submits, Esc cancels.
The form hands its values to ``submit``; a ``ComplaintError`` it raises is shown under the
fields in its own words and the form stays open (nothing was changed: the service refused)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from complaintctl.i18n import _, label


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # an N_() message id, translated when shown
    choices: tuple[str, ...] = ()  # codes; shown by their label
    required: bool = True
    default: str = ""
    placeholder: str = ""
    extra: dict = field(default_factory=dict)


class ActionForm(ModalScreen[str | None]):
    """``submit(values) -> message``: the message is what the form returns when it is done."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", show=False),
                          Binding("ctrl+s", "submit", show=False)]
    DEFAULT_CSS = """
    ActionForm { align: center middle; }
    ActionForm > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 95%;
                                  border: round $accent; background: $panel; padding: 0 1; }
    ActionForm Input, ActionForm Select { margin: 0 0 0 0; }
    ActionForm #form-error { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, fields: list[Field],
                 submit: Callable[[dict[str, Any]], str]) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit = submit

    def compose(self) -> ComposeResult:
        from complaintctl.present import render

        with VerticalScroll():
            yield Static(render.text(self.form_title, "bold"))
            for f in self.fields:
                mark = "" if not f.required else " *"
                yield Label(render.text(_(f.label) + mark))
                if f.choices:
                    options = [(_(label(c)) or "-", c) for c in f.choices]
                    yield Select(options, value=f.default or f.choices[0], allow_blank=False,
                                 id=f"field-{f.name}")
                else:
                    yield Input(value=f.default, placeholder=_(f.placeholder) if f.placeholder
                                else "", id=f"field-{f.name}")
            yield Static("", id="form-error")
            yield Static(render.text(_("Enter or ctrl+s saves · Esc cancels")), id="form-hint")

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            value = widget.value
            out[f.name] = None if value in ("", Select.BLANK) else value
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        values = self.values()
        for f in self.fields:
            if f.required and values[f.name] is None:
                self.show_error(_("{field} is required.").format(field=_(f.label)))
                return
        try:
            message = self.submit(values)
        except Exception as error:  # noqa: BLE001 - said as the CLI says it (tui.guard)
            from complaintctl.tui.guard import problem

            self.show_error(problem(error))
            return
        self.dismiss(message)

    def show_error(self, text: str) -> None:
        from complaintctl.present import render

        self.query_one("#form-error", Static).update(render.text(text, cell=False))

    def action_cancel(self) -> None:
        self.dismiss(None)
