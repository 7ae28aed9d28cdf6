"""Pure ASGI middleware: security headers on every response, the request body limit (413),
and the request's language (``?lang=``, the ``lang`` cookie, ``Accept-Language``; Chinese by
default), set for everything the request runs (``i18n.request_language``)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from complaintctl import i18n
from complaintctl.web import errors

#: every response carries these (no inline script or style: CSP default-src 'self')
SECURITY_HEADERS = [
    (b"content-security-policy", (b"default-src 'self'; img-src 'self' data:; "
                                  b"frame-ancestors 'none'; base-uri 'none'; "
                                  b"form-action 'self'")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

#: the largest request body, in bytes: three 5 MB attachments and the form around them
BODY_LIMIT = 16 * 1024 * 1024


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                names = {name for name, _value in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in SECURITY_HEADERS if name not in names]
            await send(message)

        await self.app(scope, receive, sending)


class BodyLimit:
    """Refuses a body over ``limit`` bytes: by its Content-Length before reading, else while
    it streams (``BodyTooLarge``, which ``errors`` maps to 413)."""

    def __init__(self, app, limit: int = BODY_LIMIT):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await errors.too_large(scope, receive, send)
        seen = 0

        async def receiving():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise errors.BodyTooLarge()
            return message

        await self.app(scope, receiving, send)


def chosen_language(scope) -> str:
    """``?lang=en|zh``, else the ``lang`` cookie, else the first of Accept-Language that is
    English or Chinese, else Chinese (the public pages' language)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    for value in query.get("lang", []):
        if value.lower()[:2] in i18n.SUPPORTED:
            return value.lower()[:2]
    headers = dict(scope.get("headers", []))
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed cookie header names no language
        cookie = SimpleCookie()
    if "lang" in cookie and cookie["lang"].value in i18n.SUPPORTED:
        return cookie["lang"].value
    for part in headers.get(b"accept-language", b"").decode("latin-1").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


class Language:
    """Every request runs in its chosen language (``scope["state"]["lang"]``); a ``?lang=``
    switch is remembered in a cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lang = chosen_language(scope)
        scope.setdefault("state", {})["lang"] = lang
        switched = b"lang=" in scope.get("query_string", b"")

        async def sending(message):
            if switched and message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"set-cookie", f"lang={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
                     .encode())]
            await send(message)

        with i18n.request_language(lang):
            await self.app(scope, receive, sending)
