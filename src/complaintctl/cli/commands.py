"""Every top-level command and group of the root ``app``, registered in its help panel
(``panels``): the root callback and the error mapping are ``cli/__init__``; what it offers is
here."""

from __future__ import annotations

from complaintctl.i18n import _


def register_commands(app) -> None:
    """Every top-level command and group, each in its help panel (``panels``)."""
    from complaintctl.cli import (
        audit,
        clock,
        complaints,
        config,
        conflicts,
        db,
        demo,
        emergency,
        export,
        identity,
        imports,
        intake,
        mfa,
        notify,
        organisations,
        reports,
        retention,
        rootcause,
        serve,
        staff,
        tokens,
        tui,
    )
    from complaintctl.cli.panels import ADMIN, CLOCK, DAILY, EMERGENCY, INTAKE, REPORTS, within

    with within(app, DAILY):
        complaints.register_commands(app)
        identity.register_commands(app)
        tui.register_commands(app)  # issue 21
    with within(app, CLOCK):
        clock.register_commands(app)
    with within(app, INTAKE):
        imports.register_commands(app)
        app.add_typer(intake.app, name="intake",
                      short_help=_("Complaints from the mailbox and the online platform."))
        export.register_commands(app)
        serve.register_commands(app)  # issue 19
    with within(app, REPORTS):
        reports.register_commands(app)
        rootcause.register_commands(app)
    with within(app, EMERGENCY):
        emergency.register_commands(app)
    with within(app, ADMIN):
        conflicts.register_commands(staff.app)
        staff.app.add_typer(tokens.app, name="token")
        staff.app.add_typer(mfa.app, name="mfa")
        app.add_typer(staff.app, name="staff")
        app.add_typer(organisations.app, name="org",
                      short_help=_("Organisations: branches under parent organisations."))
        app.add_typer(config.app, name="config",
                      short_help=_("Configuration: clock profiles, calendar, thresholds."))
        app.add_typer(notify.app, name="notify")
        db.register_commands(app)
        app.add_typer(audit.app, name="audit",
                      short_help=_("The audit trail: a hash chain of every change."))
        demo.register_commands(app)
        retention.register_commands(app)
