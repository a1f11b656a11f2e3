"""Volumes exported over NBD by one ``qemu-storage-daemon`` per backend, as Cinder's drivers
export theirs over iSCSI. The compute host's QEMU connects to the export itself (blockdev
driver ``nbd``), so neither host needs a kernel NBD module.

The daemon starts with the first export, in a session of its own so that it outlives the volume
agent (guests keep their disks while the agent restarts), and stops when its last export goes.
Everything about it lives in one directory: ``exports.json`` (its port and, per export, the
block node it serves, whether it is writable, an encrypted volume's key id, and the connectors
using it), its pidfile, QMP socket and log. QMP is spoken through qemu.qmp, one short connection
per operation. An agent that starts again finds the daemon by its pidfile; when the daemon is
gone (the machine restarted) it starts again on the same port with every recorded export, and
the compute hosts' QEMUs, which reconnect (``reconnect-delay``), carry on.

The daemon serves the guest's view: a qcow2, with LUKS inside or not, is opened in the daemon
(the key goes over QMP, never to a file), so a client always reads raw bytes. One export serves
every connector of a multi-attached volume; each ``release`` takes one connector away, and the
export goes with the last. Growing an exported volume takes the export out of the daemon while
the data changes (``withdraw``) and puts it back at its new size (``reinstate``): NBD tells a
client the size only when it connects, and QEMU's export holds its node at a fixed size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qemu.qmp import QMPError
from qemu.qmp.legacy import QEMUMonitorProtocol

from nimbus.volume.errors import VolumeBackendError

LOG = logging.getLogger(__name__)
BINARY = "qemu-storage-daemon"
RECORD = "exports.json"
PIDFILE = "qsd.pid"
SOCKET = "qmp.sock"
DAEMON_LOG = "qsd.log"
_START_TIMEOUT = 30.0
# How long a removed export or node may take to let go of its clients and children.
_SETTLE_TIMEOUT = 10.0


def free_port(address: str) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def node_name(export: str) -> str:
    """The daemon's node for ``export`` (QEMU's node names: a letter first, 31 characters)."""
    return "x" + hashlib.sha256(export.encode()).hexdigest()[:24]


def mirror_name(export: str) -> str:
    """The node a moved export's data goes to (``move``)."""
    return "m" + node_name(export)[1:]


def secret_name(export: str) -> str:
    return "k" + node_name(export)[1:]


def connector_key(connector: dict[str, Any] | None) -> str | None:
    """Who a connector is, as an export counts its users (None: everyone)."""
    if connector is None:
        return None
    return str(connector.get("host") or connector.get("initiator") or connector.get("ip")
               or "unnamed")


def connection(exports: NbdExports, volume: dict[str, Any], connector: dict[str, Any],
               node: dict[str, Any], key_id: str | None = None,
               discard: bool = True) -> dict[str, Any]:
    """Export ``volume`` (its data as block node ``node``) to ``connector``; the
    ``connection_info`` compute's QEMU connects with. The export is the guest's raw view, so
    the client has nothing to decode: ``encrypted`` is false even for an encrypted volume,
    whose key stays on the volume host."""
    exports.check()
    where = exports.export(volume["name"], node, writable=not volume.get("readonly"),
                           connector=str(connector_key(connector)), key_id=key_id)
    return {"driver_volume_type": "nbd",
            "data": {**where, "format": "raw", "volume_id": volume["id"],
                     "name": volume["name"], "size": volume["size"],
                     "access_mode": "ro" if volume.get("readonly") else "rw",
                     "encrypted": False, "discard": discard}}


class NbdExports:
    """The NBD exports of one backend, served by its own ``qemu-storage-daemon``."""

    def __init__(self, directory: Path, address: str = "127.0.0.1", port: int = 0,
                 advertise: str = "", binary: str = BINARY,
                 passphrase: Callable[[str], str] | None = None) -> None:
        self.dir = directory
        self.address = address or "127.0.0.1"
        self.fixed_port = int(port or 0)
        # What clients connect to: the listening address, unless that is every address.
        self.host = advertise or (socket.getfqdn() if self.address in ("0.0.0.0", "::")
                                  else self.address)
        self.binary = binary
        self.passphrase = passphrase
        self._lock = threading.RLock()
        # Exports taken out while their data changes: nothing serves them until reinstated.
        self._withdrawn: set[str] = set()

    @classmethod
    def for_backend(cls, config: dict[str, Any],
                    passphrase: Callable[[str], str] | None = None) -> NbdExports:
        """The exporter a backend's options describe: ``nbd_address`` (where the daemon listens,
        loopback unless set), ``nbd_port`` (0: chosen once, then kept) and ``nbd_host`` (what
        compute hosts connect to, when not the listening address)."""
        return cls(Path(str(config["state_dir"])) / "nbd",
                   address=str(config.get("nbd_address") or "127.0.0.1"),
                   port=int(config.get("nbd_port") or 0),
                   advertise=str(config.get("nbd_host") or ""), passphrase=passphrase)

    def check(self) -> None:
        """Raise when this host cannot export volumes at all."""
        if shutil.which(self.binary) is None:
            raise VolumeBackendError(reason=f"{self.binary} is not installed (Debian: "
                                            "qemu-system-common); volumes cannot be exported "
                                            "over NBD.")

    # -- the record ----------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        try:
            record = dict(json.loads((self.dir / RECORD).read_text()))
        except (OSError, ValueError):
            record = {}
        record.setdefault("exports", {})
        return record

    def _save(self, record: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.dir / f"{RECORD}.tmp"
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True))
        tmp.replace(self.dir / RECORD)

    # -- what drivers call ---------------------------------------------------------------------
    def exported(self, name: str) -> bool:
        with self._lock:
            return name in self._load()["exports"]

    def export(self, name: str, node: dict[str, Any], writable: bool, connector: str,
               key_id: str | None = None) -> dict[str, Any]:
        """Serve ``node`` (a ``blockdev-add`` description without its node name) as export
        ``name`` to ``connector``; where clients find it."""
        with self._lock:
            record = self._load()
            entry = record["exports"].get(name)
            if entry is None:
                entry = {"node": node, "writable": writable, "key_id": key_id,
                         "connectors": []}
                port = self._ensure(record)
                try:
                    self._add(name, entry)
                except VolumeBackendError:
                    if not record["exports"]:
                        self._stop("its first export failed")
                    raise
                record["exports"][name] = entry
            else:
                port = self._ensure(record)
                if name not in self._withdrawn and name not in self._live():
                    self._add(name, entry)
            entry["connectors"].append(connector)
            self._save(record)
            return {"host": self.host, "port": port, "export_name": name}

    def release(self, name: str, connector: str | None) -> None:
        """Stop serving ``name`` to ``connector`` (to everyone when None); the export goes with
        its last connector, and the daemon with its last export."""
        with self._lock:
            record = self._load()
            entry = record["exports"].get(name)
            if entry is None:
                return
            if connector is not None and connector in entry["connectors"]:
                entry["connectors"].remove(connector)
            if connector is None or not entry["connectors"]:
                if self._pid() is not None:
                    self._remove(name)
                del record["exports"][name]
            self._save(record)
            if not record["exports"]:
                self._stop()

    def withdraw(self, name: str) -> bool:
        """Take export ``name`` out of the daemon (its record stays) while its data changes;
        whether it was exported. Its clients wait for it, reconnecting."""
        with self._lock:
            if name not in self._load()["exports"]:
                return False
            self._withdrawn.add(name)
            if self._pid() is not None:
                self._remove(name)
            return True

    def reinstate(self, name: str, node: dict[str, Any] | None = None) -> None:
        """Put a withdrawn export back, serving ``node`` from now on when given."""
        with self._lock:
            self._withdrawn.discard(name)
            record = self._load()
            entry = record["exports"].get(name)
            if entry is None:
                return
            if node is not None:
                entry["node"] = node
            self._ensure(record)
            if name not in self._live():
                self._add(name, entry)
            self._save(record)

    def move(self, name: str, node: dict[str, Any], timeout: float = 24 * 3600) -> None:
        """Serve export ``name`` from ``node`` (as large as its current node) from now on. Its
        data is copied there while clients go on using it: a mirror job, which writes every
        change to both and, once the copy is complete, puts the new node in the old one's
        place."""
        with self._lock:
            record = self._load()
            entry = record["exports"].get(name)
            if entry is None:
                raise VolumeBackendError(reason=f"{name} is not exported.")
            self._ensure(record)
            if name not in self._live():
                self._add(name, entry)
            target, job = mirror_name(name), f"move-{name}"
            if target in self._nodes():
                self._qmp("blockdev-del", **{"node-name": target})
            self._qmp("blockdev-add", **{**node, "node-name": target})
            try:
                self._qmp("blockdev-mirror", sync="full", target=target,
                          **{"job-id": job, "device": node_name(name), "auto-dismiss": False})
                self._await_job(job, "ready", timeout)
                self._qmp("job-complete", id=job)
                self._await_job(job, "concluded", timeout)
            except VolumeBackendError:
                with contextlib.suppress(VolumeBackendError):
                    self._qmp("job-cancel", id=job, force=True)
                with contextlib.suppress(VolumeBackendError):
                    self._await_job(job, "concluded", _SETTLE_TIMEOUT)
                with contextlib.suppress(VolumeBackendError):
                    self._qmp("blockdev-del", **{"node-name": target})
                raise
            finally:
                with contextlib.suppress(VolumeBackendError):
                    self._qmp("job-dismiss", id=job)
            # The export uses the new node now; the old one has nobody left.
            with contextlib.suppress(VolumeBackendError):
                self._qmp("blockdev-del", **{"node-name": node_name(name)})
            entry["node"] = node
            self._save(record)

    def _await_job(self, job: str, status: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            found = next((j for j in self._qmp("query-jobs") if j.get("id") == job), None)
            if found is None:
                raise VolumeBackendError(reason=f"The daemon's job {job} is gone.")
            if found.get("error"):
                raise VolumeBackendError(reason=f"Moving the data failed: {found['error']}")
            if found.get("status") == status:
                return
            if found.get("status") == "concluded" or time.monotonic() > deadline:
                raise VolumeBackendError(reason=f"The daemon's job {job} ended "
                                                f"{found.get('status')}, not {status}.")
            time.sleep(0.1)

    def restore(self) -> int:
        """At the agent's start: the daemon found again, or started again with every recorded
        export; exports nobody records are dropped. How many recorded exports it serves."""
        with self._lock:
            record = self._load()
            if not record["exports"]:
                self._stop()
                return 0
            found = self._pid() is not None
            self._ensure(record)    # a daemon it starts serves what it can at once
            live = self._live()
            for name in sorted(live - set(record["exports"])):
                self._remove(name)
            if found:
                return self._serve_all(record)
            return len(live & set(record["exports"]))

    def _serve_all(self, record: dict[str, Any]) -> int:
        """Serve every recorded export the daemon lacks; how many it serves."""
        live = self._live()
        served = 0
        for name, entry in sorted(record["exports"].items()):
            if name in self._withdrawn:
                continue
            if name not in live:
                try:
                    self._add(name, entry)
                except VolumeBackendError as exc:
                    # Its data is gone (removed while no agent ran): the others are served.
                    LOG.warning("NBD export %s could not be served again: %s", name,
                                exc.message)
                    continue
                LOG.info("NBD export %s served again", name)
            served += 1
        return served

    def shutdown(self) -> None:
        """Stop the daemon; the record stays, for ``restore``."""
        with self._lock:
            self._stop("asked to")

    # -- the daemon ------------------------------------------------------------------------------
    def _pid(self) -> int | None:
        try:
            pid = int((self.dir / PIDFILE).read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        # A pid reused by another program is not this backend's daemon.
        return pid if str(self.dir / PIDFILE).encode() in cmdline else None

    def _ensure(self, record: dict[str, Any]) -> int:
        """The daemon running, with every recorded export when it had to start; its port."""
        if self._pid() is not None:
            if record.get("port"):
                return int(record["port"])
            # A daemon whose record was lost: nobody knows its exports.
            self._stop("its record was lost")
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        recorded = int(record.get("port") or 0)
        # Recorded exports were handed out with their port: they must come back on it.
        pinned = self.fixed_port or (recorded if record["exports"] else 0)
        for attempt in range(1 if pinned else 3):
            port = pinned or (recorded if attempt == 0 and recorded else
                              free_port(self.address))
            if self._start(port):
                record["port"] = port
                self._save(record)
                self._serve_all(record)
                return port
        raise VolumeBackendError(reason=f"{self.binary} did not start: {self._log_tail()}")

    def _start(self, port: int) -> bool:
        for stale in (SOCKET, PIDFILE):
            (self.dir / stale).unlink(missing_ok=True)
        cmd = [self.binary,
               # Relative to the directory (the daemon starts there): a socket's path may not
               # be longer than 107 bytes, and a state dir can be deep.
               "--chardev", f"socket,id=qmp,path={SOCKET},server=on,wait=off",
               "--monitor", "chardev=qmp",
               "--nbd-server", f"addr.type=inet,addr.host={self.address},addr.port={port}",
               "--pidfile", str(self.dir / PIDFILE)]
        with (self.dir / DAEMON_LOG).open("ab") as log:
            # A session of its own: no signal to the agent's process group reaches it.
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    cwd=self.dir, start_new_session=True)
        # Reaped when it ends, while this process lives (init reaps it after that).
        threading.Thread(target=proc.wait, name="nbd-daemon", daemon=True).start()
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if (self.dir / SOCKET).exists() and self._pid() is not None:
                with contextlib.suppress(VolumeBackendError):
                    self._qmp("query-block-exports")
                    LOG.info("%s serving NBD on %s:%d (pid %d)", self.binary, self.address,
                             port, proc.pid)
                    return True
            time.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
        return False

    def _log_tail(self) -> str:
        try:
            lines = (self.dir / DAEMON_LOG).read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else "no message"

    def _stop(self, why: str = "nothing left to export") -> None:
        pid = self._pid()
        if pid is None:
            return
        with contextlib.suppress(VolumeBackendError):
            self._qmp("quit")
        deadline = time.monotonic() + 5
        while self._pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        (self.dir / SOCKET).unlink(missing_ok=True)
        LOG.info("%s of %s stopped: %s", self.binary, self.dir, why)

    def _qmp(self, command: str, **args: Any) -> Any:
        # Reached through the directory's descriptor, for the socket path's length limit.
        dir_fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        monitor = QEMUMonitorProtocol(f"/proc/self/fd/{dir_fd}/{SOCKET}")
        try:
            monitor.connect()
            reply = monitor.cmd_raw(command, args or None)
        except (OSError, EOFError, QMPError) as exc:
            raise VolumeBackendError(reason=f"{self.binary}: QMP {command} failed: "
                                            f"{exc or type(exc).__name__}") from None
        finally:
            with contextlib.suppress(OSError, EOFError, QMPError):
                monitor.close()
            os.close(dir_fd)
        if "error" in reply:
            raise VolumeBackendError(reason=f"{self.binary}: {command}: "
                                            f"{reply['error'].get('desc')}")
        return reply.get("return")

    def _live(self) -> set[str]:
        return {str(e["id"]) for e in self._qmp("query-block-exports")}

    def _nodes(self) -> set[str]:
        return {str(n.get("node-name")) for n in self._qmp("query-named-block-nodes",
                                                           flat=True)}

    def _add(self, name: str, entry: dict[str, Any]) -> None:
        node = {**entry["node"], "node-name": node_name(name)}
        self._close(name)    # what an earlier removal cut short left
        if entry.get("key_id"):
            if self.passphrase is None:
                raise VolumeBackendError(reason="This volume host has no key store; it cannot "
                                                "export encrypted volumes.")
            with contextlib.suppress(VolumeBackendError):
                self._qmp("object-del", id=secret_name(name))
            # The key goes over the daemon's private socket, never to a file.
            self._qmp("object-add", **{"qom-type": "secret", "id": secret_name(name),
                                       "format": "raw",
                                       "data": self.passphrase(str(entry["key_id"]))})
            node["encrypt"] = {**dict(node.get("encrypt") or {"format": "luks"}),
                               "key-secret": secret_name(name)}
        try:
            self._qmp("blockdev-add", **node)
            self._qmp("block-export-add", type="nbd", id=name, name=name,
                      **{"node-name": node_name(name), "writable": bool(entry["writable"])})
        except VolumeBackendError:
            self._close(name)
            raise

    def _remove(self, name: str) -> None:
        """The export (its clients dropped), then its node and key."""
        with contextlib.suppress(VolumeBackendError):
            self._qmp("block-export-del", id=name, mode="hard")
        deadline = time.monotonic() + _SETTLE_TIMEOUT
        # The export goes once its clients are gone; its node is in use until then.
        while name in self._live():
            if time.monotonic() > deadline:
                raise VolumeBackendError(reason=f"The NBD export {name} did not go away.")
            time.sleep(0.05)
        self._close(name)

    def _close(self, name: str) -> None:
        """Close the export's node (the one it was moved to, if it was)."""
        deadline = time.monotonic() + _SETTLE_TIMEOUT
        while open_nodes := self._nodes() & {node_name(name), mirror_name(name)}:
            try:
                for node in sorted(open_nodes):
                    self._qmp("blockdev-del", **{"node-name": node})
            except VolumeBackendError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with contextlib.suppress(VolumeBackendError):
            self._qmp("object-del", id=secret_name(name))
