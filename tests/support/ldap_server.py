"""A throw-away OpenLDAP ``slapd`` for tests: own config, own port, a small directory.

``scripts/bootstrap-env.sh`` installs Debian's ``slapd`` and ``ldap-utils``. When the binaries are
missing the test is skipped, except under ``CI=true``, where that fails the run (as
``tests/support/backends.py`` does for databases).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.backends import unavailable

SUFFIX = "dc=nimbus,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


@dataclass(frozen=True)
class LdapUser:
    uid: str
    name: str
    password: str
    mail: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Directory:
    """What the server is loaded with: users under ou=Users, groupOfNames under ou=Groups."""

    users: tuple[LdapUser, ...] = (
        LdapUser("u1001", "alice", "alice-pw", "alice@nimbus.test", ("developers", "enabled")),
        LdapUser("u1002", "bob", "bob-pw", "bob@nimbus.test", ("operators", "enabled")),
        LdapUser("u1003", "carol", "carol-pw", "carol@nimbus.test", ("developers",)),
    )
    # "enabled" is the group the driver's enabled emulation reads.
    groups: tuple[str, ...] = ("developers", "operators", "enabled")


@dataclass
class LdapServer:
    url: str
    directory: Directory
    suffix: str = SUFFIX
    admin_dn: str = ADMIN_DN
    admin_password: str = ADMIN_PASSWORD
    workdir: Path = field(default_factory=Path)

    def options(self) -> dict[str, str]:
        """The ``[ldap]`` options a Nimbus domain needs to read this directory."""
        return {
            "url": self.url, "user": self.admin_dn, "password": self.admin_password,
            "suffix": self.suffix,
            "user_tree_dn": f"ou=Users,{self.suffix}", "user_objectclass": "inetOrgPerson",
            "user_id_attribute": "uid", "user_name_attribute": "cn",
            "user_mail_attribute": "mail",
            "user_enabled_emulation": "true",
            "user_enabled_emulation_dn": f"cn=enabled,ou=Groups,{self.suffix}",
            "group_tree_dn": f"ou=Groups,{self.suffix}", "group_objectclass": "groupOfNames",
            "group_id_attribute": "cn", "group_name_attribute": "cn",
            "group_member_attribute": "member", "group_members_are_ids": "false",
            "query_scope": "one", "page_size": "2",
        }

    def conf_text(self) -> str:
        """The options as a Keystone-style domain file (``keystone.<domain>.conf``)."""
        lines = ["[identity]", "driver = ldap", "", "[ldap]"]
        lines += [f"{key} = {value}" for key, value in self.options().items()]
        return "\n".join(lines) + "\n"


def _ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif(directory: Directory) -> str:
    people = f"ou=Users,{SUFFIX}"
    groups = f"ou=Groups,{SUFFIX}"
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Nimbus\ndc: nimbus",
        f"dn: {people}\nobjectClass: organizationalUnit\nou: Users",
        f"dn: {groups}\nobjectClass: organizationalUnit\nou: Groups",
    ]
    for u in directory.users:
        entries.append(
            f"dn: uid={u.uid},{people}\nobjectClass: inetOrgPerson\nuid: {u.uid}\ncn: {u.name}\n"
            f"sn: {u.name.capitalize()}\nmail: {u.mail}\nuserPassword: {_ssha(u.password)}")
    for g in directory.groups:
        members = [f"uid={u.uid},{people}" for u in directory.users if g in u.groups]
        # groupOfNames needs at least one member; an empty group points at itself.
        member_lines = "\n".join(f"member: {m}" for m in members or [f"cn={g},{groups}"])
        entries.append(f"dn: cn={g},{groups}\nobjectClass: groupOfNames\ncn: {g}\n{member_lines}")
    return "\n\n".join(entries) + "\n"


def _slapd_conf(workdir: Path, schema_dir: Path, module_dir: Path) -> str:
    includes = "\n".join(f"include {schema_dir / name}.schema" for name in SCHEMAS)
    return f"""{includes}
pidfile {workdir / "slapd.pid"}
argsfile {workdir / "slapd.args"}
modulepath {module_dir}
moduleload back_mdb
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to * by * read
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {_ssha(ADMIN_PASSWORD)}
directory {workdir / "data"}
index objectClass eq
index uid,cn,member eq
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binaries() -> tuple[str, str]:
    found = []
    for name in ("slapd", "slapadd"):
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if path is None:
            unavailable("slapd", FileNotFoundError(
                f"{name} is not installed (scripts/bootstrap-env.sh installs slapd ldap-utils)"))
        found.append(str(path))
    return found[0], found[1]


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"slapd exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"slapd did not listen on port {port} within {timeout}s")


@contextmanager
def running_slapd(workdir: Path, directory: Directory | None = None) -> Iterator[LdapServer]:
    """Start slapd on a free loopback port with a generated config; stop it afterwards."""
    slapd, slapadd = _binaries()
    directory = directory or Directory()
    schema_dir = Path("/etc/ldap/schema")
    module_dir = Path("/usr/lib/ldap")
    if not (schema_dir / "core.schema").exists():
        unavailable("slapd", FileNotFoundError(f"no OpenLDAP schemas in {schema_dir}"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "data").mkdir(exist_ok=True)
    conf = workdir / "slapd.conf"
    conf.write_text(_slapd_conf(workdir, schema_dir, module_dir))
    ldif = workdir / "directory.ldif"
    ldif.write_text(_ldif(directory))
    loaded = subprocess.run([slapadd, "-f", str(conf), "-l", str(ldif)], capture_output=True,
                            text=True, timeout=60)
    if loaded.returncode != 0:
        raise RuntimeError(f"slapadd failed: {loaded.stderr}")
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = open(workdir / "slapd.log", "wb")  # noqa: SIM115
    # "-d 0" keeps slapd in the foreground (a child we can stop) without debug noise.
    proc = subprocess.Popen([slapd, "-f", str(conf), "-h", f"{url}/", "-d", "0"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_listening(port, proc, timeout=20)
        yield LdapServer(url=url, directory=directory, workdir=workdir)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
