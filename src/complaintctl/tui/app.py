"""The workspace application: the queue first, a complaint or the register form on top, the
help screen and the command palette; a timer that reloads what is shown when someone else
changed the database."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen

from complaintctl.i18n import _
from complaintctl.tui.help import COMMON_KEYS, bindings
from complaintctl.tui.workspace import Workspace


class WorkspaceApp(App):
    """``workspace``: the door to the services. ``poll``: seconds between looks for other
    people's changes (0: never). ``tick``: seconds between countdown redraws."""

    TITLE = "complaintctl"
    BINDINGS = bindings(COMMON_KEYS)
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, workspace: Workspace, *, poll: float = 2.0, tick: float = 15.0) -> None:
        super().__init__()
        self.workspace = workspace
        self.poll = poll
        self.tick = tick
        self.who = workspace.whoami()
        self.reloads = 0  # how many times other people's changes were picked up

    def on_mount(self) -> None:
        from complaintctl.tui.queue import QueueScreen

        self.push_screen(QueueScreen())
        if self.poll:
            self.set_interval(self.poll, self.look_for_changes)

    def on_unmount(self) -> None:
        self.workspace.close()

    # --- screens ----------------------------------------------------------------------------

    def open_complaint(self, number: str) -> None:
        from complaintctl.tui.complaint import ComplaintScreen

        self.push_screen(ComplaintScreen(number))

    def open_register(self) -> None:
        from complaintctl.tui.register import RegisterScreen

        self.push_screen(RegisterScreen())

    def action_help(self) -> None:
        action = getattr(self.screen, "action_help", None)
        if action is not None:
            action()

    # --- other people's changes -------------------------------------------------------------

    def look_for_changes(self) -> None:
        """Reload every screen that shows stored data when the database moved."""
        try:
            if not self.workspace.changed():
                return
        except Exception:  # noqa: BLE001 - a failed look is tried again at the next tick
            return
        self.reloads += 1
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if reload is not None and screen.is_mounted:
                reload()

    # --- the command palette ----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key of the screen shown, in the interface language."""
        yield from super().get_system_commands(screen)
        for key, action, description in getattr(screen, "KEYS", ()):
            yield SystemCommand(_(description), key,
                                lambda action=action: self.run_palette(screen, action))

    def run_palette(self, screen: Screen, action: str) -> None:
        self.call_later(screen.run_action, action)
