"""Server-rendered pages: one Jinja2 environment (autoescaped), the templates and static files
of this package, and ``render`` with the request's ``_``, language and switch links.

Templates call ``{{ _("English text") }}``; Babel extracts those (babel.cfg) into the same
catalog as the code's strings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from complaintctl import i18n

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)
environment.globals.update(
    _=lambda message: i18n._(message), ngettext=i18n.ngettext,
    format_date=lambda v: i18n.format_date(v, weekday=False),
    format_datetime=i18n.format_datetime, label=i18n.label, term=i18n.term,
    format_amount=i18n.format_amount,
)


def language(request: Request) -> str:
    """The request's language (the ``Language`` middleware chose it)."""
    return request.scope.get("state", {}).get("lang") or i18n.language()


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """``template`` rendered for ``request``: ``lang``, ``path`` and ``other_lang`` (the
    switch) are there besides ``context``."""
    lang = language(request)
    values = {"lang": lang, "html_lang": "zh-CN" if lang == "zh" else "en",
              "other_lang": "en" if lang == "zh" else "zh", "path": request.url.path,
              "request": request, **(context or {})}
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)
