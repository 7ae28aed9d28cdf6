"""``GET /healthz``: 200 when the database answers and its schema is this version's newest,
else 503 saying which."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from complaintctl.web.deps import database_of

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    from complaintctl.services.admin.database import at_head

    database = database_of(request)
    try:
        current = at_head(database)
    except Exception:  # noqa: BLE001 - unreachable or unreadable is what this reports
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503, headers={"Retry-After": "5"})
    if not current:
        return JSONResponse({"status": "unavailable", "database": "schema not current"},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
