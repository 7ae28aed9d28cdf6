"""The customer's identity (CBIRC Art 22): ``verify-identity`` and ``customer-copy``."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, Number
from complaintctl.cli.complaints.message import announce
from complaintctl.domain.enums import ReadFormat
from complaintctl.domain.identity import IdentityMethod
from complaintctl.i18n import _


def verify_identity(
    ctx: typer.Context, number: Number,
    method: Annotated[IdentityMethod, typer.Option(help=_("How the identity was verified."))],
    note: Annotated[str | None, typer.Option(help=_("What was checked, e.g. the ID card seen."))] = None,
    at: At = None,
) -> None:
    from complaintctl.services.complaints import verification

    c = call(ctx, verification.verify_identity, number=number, method=method.value, note=note,
             at=at)
    announce(_("The customer's identity on {number} is verified."), c)


def customer_copy(
    ctx: typer.Context, number: Number,
    format: Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))] = ReadFormat.table,
    at: At = None,
) -> None:
    from complaintctl.present import identity_views
    from complaintctl.services.complaints import verification

    data = call(ctx, verification.customer_copy, number=number, at=at)
    identity_views.customer_copy(data, format)
