"""The staff console (issue 19, "for staff"): server-rendered pages over the same services
the CLI calls, for signed-in members of staff.

- ``signin``: sign-in with the identity services' password and lockout, the session cookie
  (HttpOnly, SameSite=Strict, Secure over https), sign-out, who acts on each page;
- ``csrf``: the synchroniser token every form carries, bound to the session;
- ``queue``: the work queue, filtered, most urgent first, paged, masked as ``list``;
- ``complaint``: one complaint and the actions the role permits;
- ``dashboard``: the monitor's figures with charts, and the reports' downloads;
- ``incidents``: emergency incidents, read-only.

``router`` gathers their routes; ``web.app`` includes it.
"""

from fastapi import APIRouter

from complaintctl.web.console import complaint, dashboard, incidents, queue, signin

router = APIRouter()
for _module in (signin, queue, complaint, dashboard, incidents):
    router.include_router(_module.router)

__all__ = ["complaint", "csrf", "dashboard", "incidents", "queue", "router", "signin"]
