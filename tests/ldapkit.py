"""A throwaway OpenLDAP ``slapd`` for the directory sign-in tests (issue 18): its own
slapd.conf, an mdb database loaded with ``slapadd``, listening on loopback only, stopped when
the test module ends. Not the system service: nothing outside the temporary folder is used."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

SUFFIX = "dc=bank,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
#: each directory user's password (not the same as their local one, authkit.PASSWORDS)
DIRECTORY_PASSWORDS = {user: f"granite willow harbour {i:02d}"
                       for i, user in enumerate(["admin", "sup", "h1", "h2", "clerk", "ghost"])}
#: group -> members
MEMBERS = {"handlers": ["h1"], "supervisors": ["sup", "h2"], "admins": ["admin"]}
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def binary(name: str) -> str | None:
    return shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name,)
                                       if p.exists()), None)


def missing() -> str | None:
    """Why the directory tests cannot run here, or None."""
    for name in ("slapd", "slapadd", "slappasswd"):
        if binary(name) is None:
            return (f"{name} is not installed (Debian: apt-get install -y slapd ldap-utils); "
                    "the directory sign-in tests need a real OpenLDAP server")
    if not Path("/usr/lib/ldap/back_mdb.so").exists() and not list(
            Path("/usr/lib/ldap").glob("back_mdb*")):
        return "OpenLDAP's mdb backend (/usr/lib/ldap/back_mdb.so) is missing"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ldif() -> str:
    entries = [(f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: bank\n"
                "dc: bank\n"),
               f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
               f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n"]
    for user, password in DIRECTORY_PASSWORDS.items():
        hashed = subprocess.run([binary("slappasswd"), "-h", "{SSHA}", "-s", password],
                                capture_output=True, text=True, check=True).stdout.strip()
        entries.append(f"dn: uid={user},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {user}\n"
                       f"cn: {user}\nsn: {user}\nuserPassword: {hashed}\n")
    for group, members in MEMBERS.items():
        lines = "".join(f"member: uid={m},{PEOPLE}\n" for m in members)
        entries.append(f"dn: cn={group},{GROUPS}\nobjectClass: groupOfNames\ncn: {group}\n"
                       + lines)
    return "\n".join(entries)


class Slapd:
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        data = root / "data"
        data.mkdir(parents=True)
        conf = root / "slapd.conf"
        conf.write_text("".join(f"include /etc/ldap/schema/{s}.schema\n" for s in SCHEMAS) + (
            "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
            f"pidfile {root}/slapd.pid\ndatabase mdb\nmaxsize 10485760\n"
            f'suffix "{SUFFIX}"\nrootdn "cn=root,{SUFFIX}"\ndirectory {data}\n'
            "access to attrs=userPassword by anonymous auth by * none\n"
            "access to * by * read\n"))
        (root / "data.ldif").write_text(_ldif())
        subprocess.run([binary("slapadd"), "-f", str(conf), "-l", str(root / "data.ldif")],
                       capture_output=True, text=True, check=True)
        self.log = open(root / "slapd.log", "w")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [binary("slapd"), "-h", f"{self.url}/", "-f", str(conf), "-d", "0"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slapd stopped: " + (self.root / "slapd.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("slapd did not listen within 20 seconds")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
