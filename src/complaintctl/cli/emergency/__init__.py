"""Commands of the complaint emergency plan: ``plan``, ``incident`` and ``drill``, one module
each; ``options`` holds what they share."""

from __future__ import annotations

import typer

from complaintctl.cli.emergency.drill import drill_app
from complaintctl.cli.emergency.incident import incident_app
from complaintctl.cli.emergency.plan import plan_app


def register_commands(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.add_typer(incident_app, name="incident")
    app.add_typer(drill_app, name="drill")
