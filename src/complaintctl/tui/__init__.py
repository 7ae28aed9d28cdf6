"""The clerk's workspace (issue 21): ``complaintctl tui``, a Textual front-end.

Thin like the CLI: screens (``queue``, ``complaint``, ``register``, ``forms``, ``help``) ask
``workspace.Workspace``, which resolves the actor as the CLI does and calls one service
function per step; ``cells`` words and colours the results; ``filterline`` reads the queue's
filter line in the syntax of ``list``. Never imports ``store``.
"""

from __future__ import annotations

__all__ = ["app", "cells", "complaint", "filterline", "forms", "help", "queue", "register",
           "workspace"]


def run(runner, *, poll: float = 2.0) -> None:
    """Open the workspace on ``runner`` (the CLI's state) until the user quits."""
    from complaintctl.tui.app import WorkspaceApp
    from complaintctl.tui.workspace import Workspace

    WorkspaceApp(Workspace(runner), poll=poll).run()
