"""The help screen (every key of the screen it was opened on) and the keys' table format."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from complaintctl.i18n import N_, _

#: keys every screen has: (key, action, description)
COMMON_KEYS = (
    ("question_mark", "help", N_("Help: list every key")),
    ("ctrl+p", "command_palette", N_("Command palette")),
    ("ctrl+q", "quit", N_("Quit the workspace")),
)
#: how a key is written on the help screen
_SHOWN = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter"}


def bindings(keys) -> list[Binding]:
    """Textual bindings of a keys table; the words are translated when shown, not here."""
    return [Binding(key, action, description, show=False) for key, action, description in keys]


def shown_key(key: str) -> str:
    return _SHOWN.get(key, key)


class HelpScreen(ModalScreen[None]):
    """Every key of one screen, translated; any of Esc, q, ? closes it."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss", show=False),
                          Binding("q", "dismiss", show=False),
                          Binding("question_mark", "dismiss", show=False)]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 70; max-width: 100%; height: auto; max-height: 90%;
                                  border: round $accent; background: $panel; padding: 0 1; }
    """

    def __init__(self, title: str, keys) -> None:
        super().__init__()
        self.title_text = title
        self.keys = list(keys) + list(COMMON_KEYS)

    def compose(self) -> ComposeResult:
        from rich.table import Table

        from complaintctl.present import render

        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for key, _action, description in self.keys:
            table.add_row(render.text(shown_key(key)), render.text(_(description)))
        with VerticalScroll():
            yield Static(render.text(self.title_text, "bold"), id="help-title")
            yield Static(table, id="help-keys")
            yield Static(render.text(_("Esc closes this help.")), id="help-close")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
