"""The demo: a database full of realistic complaints, built through the real services."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.i18n import _


def demo(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help=_("Build it here [default: a temporary file]."))] = None,
) -> None:
    import tempfile

    from complaintctl.present import incident_views, render, tables, views
    from complaintctl.services.admin.database import open_database
    from complaintctl.services.admin.demo import build
    from complaintctl.errors import DatabaseProblem
    from complaintctl.services.emergency import drills, incidents as emergency
    from complaintctl.services.complaints import queries
    from complaintctl.services.core.context import Actor
    from complaintctl.domain.enums import Role

    target = db or str(tempfile.mkdtemp(prefix="complaintctl-demo-")) + "/demo.db"
    database = open_database(target)
    if database.exists():
        raise DatabaseProblem(_("{where} already exists; give --db a new file.").format(
            where=database.display()))
    database.create()
    numbers = build(database)
    state(ctx).db_option = target
    admin = Actor("admin", Role.admin, None)
    with database.session() as session:
        rows = queries.list_complaints(session=session, actor=admin, filters=queries.Filters())
        one = queries.show(session=session, actor=admin, number=numbers[9])
        incidents = emergency.list_incidents(session=session, actor=admin)
        drill = drills.report(session=session, actor=admin, drill_id=1)
    tables.complaint_list(rows, "table")
    views.complaint(one, "table")
    incident_views.incident_list(incidents, "table")
    incident_views.drill_report(drill, "table")
    render.message(_("Demo database: {where}\nTry: complaintctl --db {where} --as wangfang list "
                     "--status investigating").format(where=database.display()))


def register_commands(app: typer.Typer) -> None:
    app.command("demo", help=helptext(
        _("Build a demo database through the real services and show it."),
        "complaintctl demo", "complaintctl demo --db /tmp/demo.db"))(demo)
