"""Directory sign-in (``ldap3``): a password is proven by binding to the bank's LDAP or Active
Directory server as the user, and the directory's groups may give the role
(``auth.ldap.groups``). The member of staff must still exist in complaintctl (their branch and
name are kept here); see ``factors`` for who signs in this way. The password is sent only in
the bind, never logged nor put in an error."""

from __future__ import annotations

from dataclasses import dataclass

from complaintctl.errors import DirectoryProblem
from complaintctl.i18n import _

CONNECT_SECONDS = 5
RECEIVE_SECONDS = 10


@dataclass(frozen=True)
class Directory:
    """Where and how to bind: the URL, the user DN template (``{user}``) or a search base
    with the attribute holding the login name, and the (group DN, role) pairs."""

    url: str
    user_dn: str = ""
    search_base: str = ""
    user_attr: str = "uid"
    groups: tuple[tuple[str, str], ...] = ()


def from_config(values) -> Directory | None:
    """The directory configured (``auth.ldap.*``), or None when sign-in is local."""
    if not values["auth.ldap.url"]:
        return None
    return Directory(values["auth.ldap.url"], values["auth.ldap.user_dn"],
                     values["auth.ldap.search_base"], values["auth.ldap.user_attr"] or "uid",
                     values["auth.ldap.groups"])


def directory_for(session, username: str) -> Directory | None:
    """The directory ``username`` signs in through, or None: a local password (no directory,
    or one of the break-glass accounts in ``auth.ldap.local``)."""
    from complaintctl.services.core import config

    values = config.load(session)
    directory = from_config(values)
    if directory is None or username in values["auth.ldap.local"]:
        return None
    return directory


def _unavailable(directory: Directory) -> DirectoryProblem:
    return DirectoryProblem(_(
        "The directory at {url} does not answer or refused the request; nobody can sign in "
        "through it now. Try again, or ask an admin to check auth.ldap.*.").format(
            url=directory.url))


def bind(directory: Directory, username: str, password: str) -> list[str] | None:
    """The configured groups ``username`` is in, when ``password`` binds as them; None when it
    does not (a wrong password or no such user). Raises DirectoryProblem when the server does
    not answer."""
    if not password or not username:
        return None  # an empty password is an unauthenticated bind in LDAP: never a sign-in
    from ldap3 import SIMPLE, Connection, Server
    from ldap3.core.exceptions import LDAPException

    server = Server(directory.url, connect_timeout=CONNECT_SECONDS)
    try:
        dn = _user_dn(server, directory, username)
        if dn is None:
            return None
        conn = Connection(server, user=dn, password=password, authentication=SIMPLE,
                          receive_timeout=RECEIVE_SECONDS, read_only=True,
                          raise_exceptions=False)
        if not conn.bind():
            if conn.result.get("description") == "invalidCredentials":
                return None
            raise _unavailable(directory)
        try:
            return [group for group, _role in directory.groups
                    if _member(conn, group, dn, username)]
        finally:
            conn.unbind()
    except LDAPException:
        raise _unavailable(directory) from None


def _user_dn(server, directory: Directory, username: str) -> str | None:
    """The user's DN: from the template, or found by an anonymous search (exactly one)."""
    from ldap3 import SUBTREE, Connection
    from ldap3.utils.conv import escape_filter_chars
    from ldap3.utils.dn import escape_rdn

    if directory.user_dn:
        return directory.user_dn.replace("{user}", escape_rdn(username))
    if not directory.search_base:
        raise DirectoryProblem(_("auth.ldap.url is set but neither auth.ldap.user_dn nor "
                                 "auth.ldap.search_base says where users are; set one."))
    with Connection(server, receive_timeout=RECEIVE_SECONDS, read_only=True,
                    raise_exceptions=False) as conn:
        conn.search(directory.search_base,
                    f"({directory.user_attr}={escape_filter_chars(username)})",
                    search_scope=SUBTREE, attributes=[], size_limit=2)
        found = [entry.entry_dn for entry in conn.entries]
    return found[0] if len(found) == 1 else None


def _member(conn, group: str, dn: str, username: str) -> bool:
    """Whether the group entry lists the user (member, uniqueMember or memberUid)."""
    from ldap3 import BASE
    from ldap3.utils.conv import escape_filter_chars

    who, uid = escape_filter_chars(dn), escape_filter_chars(username)
    conn.search(group, f"(|(member={who})(uniqueMember={who})(memberUid={uid}))",
                search_scope=BASE, attributes=[])
    return bool(conn.entries)


def role_of(directory: Directory, groups: list[str]) -> str | None:
    """The role the first configured group the user is in gives; None when none does."""
    for group, role in directory.groups:
        if group in groups:
            return role
    return None
