"""The decision notice (处理决定告知书, CBIRC Art 19) as a printable HTML page: the content
``services.complaints.notices.content`` builds (already in the customer's language) laid out
for A4, every text escaped. The same content gives the same bytes, so the SHA-256 the resolve
event records can be checked against a notice printed later."""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", serif; font-size: 12pt; line-height: 1.6;
       max-width: 170mm; margin: auto; color: #000; }
h1 { text-align: center; font-size: 18pt; }
h2 { font-size: 13pt; margin-top: 1.2em; }
.number, .signature { text-align: right; }
"""


def html(content: dict[str, Any]) -> str:
    """The notice as one HTML document (UTF-8 text)."""
    e = escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(content["language"])}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(content['title'])} {e(content['number'])}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(content['title'])}</h1>",
        f'<p class="number">{e(content["number"])}</p>',
        f"<p>{e(content['greeting'])}</p>",
        f"<p>{e(content['intro'])}</p>",
    ]
    for section in content["sections"]:
        parts.append(f"<h2>{e(section['heading'])}</h2>")
        parts += [f"<p>{e(p)}</p>" for p in section.get("paragraphs", []) if p]
        items = section.get("items") or []
        if items:
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
    parts += [
        f'<p class="signature">{e(content["issuer"])}<br>{e(content["decided"])}</p>',
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def html_bytes(content: dict[str, Any]) -> bytes:
    return html(content).encode("utf-8")


def deliver(data: bytes, output: str | None) -> None:
    """The rendered notice to ``output`` (a file readable by its owner: it names the
    customer) or, HTML only, to standard output."""
    if output is None:
        from complaintctl.present import render

        render.document(data.decode("utf-8"))
        return
    from complaintctl.infra.files import write_private

    write_private(output, data)
