"""The web front-end (issue 19): ``complaintctl serve``. Thin like the CLI: a route parses the
request, resolves who acts, calls one service function and renders what it returns.

- ``app``: ``create_app(database)``, the middleware (security headers, body limit, language);
- ``errors``: the one mapping of error nouns to HTTP statuses (an HTML page or a JSON error);
- ``pages``: Jinja2 templates with the request's ``_``; ``health``: ``GET /healthz``;
- ``public``: the customer's pages; ``api``: the JSON API; ``limits``: per-client limits;
  ``deps``: what a route gets (the database, a session and the proven actor).
"""

__all__ = ["api", "app", "deps", "errors", "health", "limits", "middleware", "pages", "public"]
