"""One guest's QEMU process: its directory, its command line, its QMP socket.

Everything about a guest lives in its directory (``<instances_path>/<uuid>``): ``guest.json``
(what the command line is made from, so that the guest can be started again), the disks, the
config drive, ``qemu.pid``, ``qmp.sock`` and ``console.log``. QEMU runs in a session of its
own, so it outlives the agent that started it; an agent that comes back finds each
guest again from its pidfile and its QMP socket. QMP is spoken through qemu.qmp, one short
connection per operation under a per-guest lock, so a restarted agent has nothing to re-adopt
but the files.
"""

from __future__ import annotations

import contextlib
import json
import os
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

from nimbus.compute.drivers.base import DriverError
from nimbus.compute.drivers.qemu import nbd, nics, throttle
from nimbus.core.secret_pipe import secret_fd, secret_object

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_vnc_port() -> int:
    """A free TCP port of 5900 or more (QEMU takes a VNC display number, port - 5900)."""
    for _ in range(200):
        port = free_port()
        if port >= 5900:
            return port
    raise DriverError(reason="No free port for a VNC console.")


def secret_id(disk: dict[str, Any]) -> str:
    """The QEMU secret object holding an encrypted volume's key."""
    return f"sec-{disk['id']}"


def blockdev_arg(disk: dict[str, Any]) -> str:
    readonly = "on" if disk.get("readonly") else "off"
    # An encrypted volume is a qcow2 with LUKS inside: QEMU decrypts it with the key.
    encrypt = (f"encrypt.format=luks,encrypt.key-secret={secret_id(disk)},"
               if disk.get("encrypted") else "")
    return (f"driver={disk['format']},node-name={disk['id']},read-only={readonly},{encrypt}"
            f"file.driver=file,file.filename={disk['path']}")


# A volume is copied by the volume service while a guest may use it (a snapshot of an in-use
# volume). QEMU keeps a qcow2's new mappings in memory until the guest flushes, so a copy taken
# before that (a snapshot of a guest still booting) misses blocks the guest has written. With
# the device's write cache off QEMU flushes after every write, and the file always holds what
# the guest wrote: the copy is crash-consistent, as a snapshot of a block device is.
VOLUME_WRITE_CACHE = "off"


class GuestProcess:
    """The QEMU of one guest, found by its directory."""

    def __init__(self, directory: Path, binary: str, accel: str, cpu: str = "",
                 secrets: Callable[[str], str] | None = None) -> None:
        self.dir = directory
        self.binary = binary
        self.accel = accel
        self.cpu = cpu or ("host" if accel == "kvm" else "max")
        # An encrypted volume's key, by volume id, asked for at each start and hot-plug and
        # never kept in the guest's record.
        self.secrets = secrets

    def secret(self, disk: dict[str, Any]) -> str:
        if self.secrets is None:
            raise DriverError(reason="This host cannot read volume keys; it does not open "
                                     "encrypted volumes.")
        return self.secrets(str(disk["volume_id"]))

    @property
    def lock(self) -> threading.RLock:
        with _LOCKS_GUARD:
            return _LOCKS.setdefault(str(self.dir), threading.RLock())

    # -- what the guest is -----------------------------------------------------------------
    @property
    def spec_file(self) -> Path:
        return self.dir / "guest.json"

    def spec(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.spec_file.read_text()))
        except (OSError, ValueError) as exc:
            raise DriverError(reason=f"The guest in {self.dir.name} has no readable "
                                     f"record: {exc}") from None

    def save(self, spec: dict[str, Any]) -> None:
        tmp = self.spec_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(spec, indent=1, sort_keys=True))
        tmp.replace(self.spec_file)

    # -- is it running ---------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int((self.dir / "qemu.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # A pid reused by another program is not our guest.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid
        return pid if str(self.dir).encode() in cmdline else None

    def running(self) -> bool:
        return self.pid() is not None

    # -- starting --------------------------------------------------------------------------
    def command(self, spec: dict[str, Any], incoming: str | None = None,
                fds: dict[int, int] | None = None,
                secret_fds: dict[str, int] | None = None) -> list[str]:
        d = self.dir
        cmd = [self.binary, "-name", f"{spec['name']},debug-threads=on", "-uuid", spec["uuid"],
               "-machine", f"pc,accel={self.accel}", "-cpu", self.cpu,
               "-smp", str(spec["vcpus"]), "-m", str(spec["ram"]),
               "-nodefaults", "-no-user-config", "-display", "none", "-vga", "std",
               "-vnc", f"127.0.0.1:{int(spec['vnc_port']) - 5900}",
               "-chardev", f"socket,id=serial0,host=127.0.0.1,port={spec['serial_port']},"
                           f"server=on,wait=off,telnet=off,logfile={d / 'console.log'},"
                           "logappend=on",
               "-serial", "chardev:serial0",
               # Relative (QEMU starts in the guest's directory): a socket's path may not
               # be longer than 107 bytes, and a state dir can be deep.
               "-qmp", "unix:qmp.sock,server=on,wait=off",
               "-pidfile", str(d / "qemu.pid"),
               "-device", "virtio-rng-pci", "-device", "virtio-balloon-pci"]
        for disk in spec["disks"]:
            if disk.get("volume"):
                # Volumes as -blockdev nodes, as hot-plug makes them, so that a detach
                # removes one the same way whether it was plugged then or at start.
                boot = f",bootindex={disk['bootindex']}" if "bootindex" in disk else ""
                if disk.get("encrypted"):
                    cmd += ["-object", secret_object(secret_id(disk),
                                                     (secret_fds or {})[disk["id"]])]
                # A volume served over NBD: a client node and the raw node the device uses.
                cmd += nbd.blockdev_args(disk) if disk.get("nbd") else \
                    ["-blockdev", blockdev_arg(disk)]
                cmd += ["-device", f"virtio-blk-pci,drive={disk['id']},id=dev-{disk['id']},"
                                   f"serial={disk.get('serial', disk['id'])[:20]}{boot},"
                                   f"write-cache={VOLUME_WRITE_CACHE}"]
                continue
            readonly = ",readonly=on" if disk.get("readonly") else ""
            boot = f",bootindex={disk['bootindex']}" if "bootindex" in disk else ""
            cmd += ["-drive", f"file={disk['path']},if=none,id={disk['id']},"
                              f"format={disk['format']},cache=writeback{readonly}",
                    "-device", f"virtio-blk-pci,drive={disk['id']},id=dev-{disk['id']}"
                               f"{boot},serial={disk.get('serial', disk['id'])[:20]}"]
        for position, nic in enumerate(spec["nics"]):
            # A NIC plugged later keeps the index it was plugged with (its device id).
            i = int(nic.get("index", position))
            cmd += ["-netdev", nics.netdev_arg(nic, i, fds or {}),
                    "-device", f"virtio-net-pci,netdev=net{i},mac={nic['mac']},id=nic{i}"]
        if incoming is not None:
            # Where the guest's state comes from (a saved file, or a live migration's source).
            cmd += ["-incoming", incoming]
        return cmd

    def start(self, spec: dict[str, Any], incoming: str | None = None) -> None:
        if self.running():
            return
        for stale in ("qmp.sock", "qemu.pid"):
            (self.dir / stale).unlink(missing_ok=True)
        # In a session of its own whose id is QEMU's own pid, so that no signal to another
        # process group reaches it. (QEMU's -daemonize would leave it in the group of a
        # process that has exited, whose number the kernel hands out again: a later
        # ``killpg`` of an unrelated process could then stop the guest.)
        # Taps are opened here, in their namespace, and QEMU inherits its copies.
        fds = nics.open_fds(spec)
        log = (self.dir / "qemu.log").open("ab")
        try:
            with contextlib.ExitStack() as keys:
                # Each encrypted volume's key, in a pipe QEMU reads at start.
                secret_fds = {d["id"]: keys.enter_context(secret_fd(self.secret(d)))
                              for d in spec["disks"] if d.get("volume") and d.get("encrypted")}
                proc = subprocess.Popen(self.command(spec, incoming, fds, secret_fds),
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        start_new_session=True, cwd=self.dir,
                                        pass_fds=(*fds.values(), *secret_fds.values()))
        finally:
            log.close()
            nics.close(fds)
        # Reaped when it ends, while this process lives (init reaps it after that).
        threading.Thread(target=proc.wait, name=f"qemu-{self.dir.name[:8]}",
                         daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            # Answered once QEMU has built the machine and runs its main loop.
            if (self.dir / "qmp.sock").exists() and self.running():
                try:
                    self.qmp("query-status")
                except DriverError:
                    time.sleep(0.02)
                    continue
                try:
                    self._throttle(spec)
                except DriverError:
                    # A guest whose volumes escape their QoS does not run.
                    proc.kill()
                    raise
                return
            time.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
        lines = (self.dir / "qemu.log").read_text(errors="replace").strip().splitlines()
        raise DriverError(reason=f"QEMU did not start: {lines[-1] if lines else 'no message'}")

    def _throttle(self, spec: dict[str, Any]) -> None:
        """The volumes' front-end QoS, which a -blockdev node's device cannot carry on the
        command line (it is the device's, set over QMP as a hot-plug sets it)."""
        for disk in spec["disks"]:
            if disk.get("volume") and disk.get("throttle"):
                self.qmp("block_set_io_throttle",
                         **throttle.command(f"dev-{disk['id']}", disk["throttle"]))

    # -- QMP -------------------------------------------------------------------------------
    def qmp(self, command: str, **args: Any) -> Any:
        """Run one QMP command; raises DriverError when the guest is not running or QEMU
        refuses it."""
        return self._qmp(command, None, args)

    def pass_fd(self, name: str, fd: int) -> None:
        """Hand QEMU a copy of descriptor ``fd``, which it then knows as ``name``."""
        self._qmp("getfd", fd, {"fdname": name})

    def _qmp(self, command: str, fd: int | None, args: dict[str, Any]) -> Any:
        with self.lock:
            sock = self.dir / "qmp.sock"
            if not self.running() or not sock.exists():
                raise DriverError(reason=f"The guest {self.dir.name} is not running.")
            # Reached through the directory's descriptor, for the same 107-byte limit.
            dir_fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
            monitor = QEMUMonitorProtocol(f"/proc/self/fd/{dir_fd}/qmp.sock")
            try:
                monitor.connect()
                if fd is not None:
                    monitor.send_fd_scm(fd)
                reply = monitor.cmd_raw(command, args or None)
            except (OSError, EOFError, QMPError) as exc:
                # A QEMU that goes away mid-command (``quit`` does) ends the stream.
                raise DriverError(reason=f"QMP {command} failed: {exc or type(exc).__name__}") \
                    from None
            finally:
                with contextlib.suppress(OSError, EOFError, QMPError):
                    monitor.close()
                os.close(dir_fd)
        if "error" in reply:
            raise DriverError(reason=f"QMP {command}: {reply['error'].get('desc')}")
        return reply.get("return")

    def status(self) -> str | None:
        """QEMU's run state (``running``, ``paused``...), or None when it is not running."""
        if not self.running():
            return None
        try:
            return str(self.qmp("query-status")["status"])
        except DriverError:
            return None

    def wait_gone(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.running():
                return True
            time.sleep(0.1)
        return not self.running()

    def kill(self) -> None:
        """Stop QEMU at once (``quit``, then SIGKILL if it does not go)."""
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(DriverError):
            self.qmp("quit")
        if self.wait_gone(5):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        self.wait_gone(5)

    def devices(self) -> set[str]:
        """The ids of the devices plugged into the guest (``-device id=`` or ``device_add``)."""
        return {str(item["name"]) for item in self.qmp("qom-list", path="/machine/peripheral")}

    def console_log(self, limit: int = 1024 * 1024) -> str:
        path = self.dir / "console.log"
        try:
            with path.open("rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - limit))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""
