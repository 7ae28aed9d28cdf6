"""Identity (issue 18): who is acting, proven. The public face every front-end uses (the CLI
today, the web console and the terminal workspace next):

- ``acting.resolve``: the actor of a command or request, from a session or API token (or the
  name given, on a database that does not require sign-in); ``acting.resolve_session``: who
  acts in a browser, proven by the staff console's session cookie; ``acting.mode``;
- ``sessions``: ``sign_in`` (password, lockout), ``verify``, ``revoke`` (logout);
- ``tokens``: API tokens for scripts: ``create``, ``list_tokens``, ``revoke``, ``verify``;
- ``passwords``: ``set_password`` and the policy;
- ``mfa``: the TOTP second factor: ``enrol``, ``reset``, ``new_secret``, ``uri``;
- ``session_file``: where a terminal keeps its session token (one file per database).

``factors`` (the first factor: local password or directory), ``ldap`` (the directory bind),
``lockout`` and ``secrets_format`` are internal. Imports only ``core``.
"""

__all__ = ["acting", "mfa", "passwords", "session_file", "sessions", "tokens"]
