"""The unmodified `openstack` CLI, run in a fresh child forked from a process that imported it.

Each command of a test still runs the CLI's own `main()` in a process of its own, with its own
environment, arguments, exit code and output; only the second or so that every start spends
importing the client and its plugins is paid once per test worker instead of once per command.
The forking process is single-threaded (a test worker is not: xdist talks over threads), so a
fork never copies a lock another thread holds.

Set NIMBUS_TEST_CLI=exec to run every command as a plain `openstack` process instead.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

_server: CliForkServer | None = None
_lock = threading.Lock()


def _preload() -> None:
    """Import what a command would import: the shell, every command plugin, the SDK's proxies."""
    import importlib
    from importlib import metadata

    import openstackclient.shell  # noqa: F401
    modules = {ep.module for dist in metadata.distributions() for ep in dist.entry_points
               if ep.group.startswith("openstack.") or ep.group == "keystoneauth1.plugin"}
    for module in sorted(modules):
        # A plugin that cannot load here fails the same way in the child that needs it.
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    import openstack.connection  # noqa: F401
    for service in ("compute.v2", "network.v2", "block_storage.v3", "image.v2", "identity.v3",
                    "object_store.v1", "placement.v1", "load_balancer.v2", "orchestration.v1"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"openstack.{service}._proxy")


def _child(request: dict[str, Any]) -> None:
    """Runs in the forked child: become the `openstack` process the request describes."""
    out = os.open(request["stdout"], os.O_WRONLY | os.O_TRUNC)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_TRUNC)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = ["openstack", *request["args"]]
    code = 1
    try:
        from openstackclient.shell import main
        code = main(request["args"]) or 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child reports any failure as the CLI would
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def serve(sock: socket.socket) -> None:
    """The fork server's loop: one JSON request per line in, the child's pid and status out."""
    _preload()
    reader = sock.makefile("r")
    sock.sendall(b"ready\n")
    for line in reader:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(request)
        sock.sendall(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        sock.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())


class CliForkServer:
    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-c",
             "import socket, sys; sys.path[:0] = sys.argv[2:]; "
             "from tests.support.cli_forks import serve; "
             "serve(socket.socket(fileno=int(sys.argv[1])))",
             str(theirs.fileno()), str(Path(__file__).resolve().parents[2])],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=True)
        theirs.close()
        self.sock = mine
        self.reader = mine.makefile("r")
        if self.reader.readline().strip() != "ready":
            raise RuntimeError("the CLI fork server did not start")

    def run(self, args: list[str], env: dict[str, str],
            timeout: float) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="osc-") as tmp:
            out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
            out.touch()
            err.touch()
            request = {"args": args, "env": env, "cwd": os.getcwd(), "stdout": str(out),
                       "stderr": str(err)}
            self.sock.sendall((json.dumps(request) + "\n").encode())
            pid = int(self.reader.readline())
            self.sock.settimeout(timeout)
            try:
                code = int(self.reader.readline())
            except TimeoutError:
                # A timed-out socket file cannot be read again: this server is done.
                os.kill(pid, signal.SIGKILL)
                self.close()
                raise subprocess.TimeoutExpired(["openstack", *args], timeout) from None
            self.sock.settimeout(None)
            return subprocess.CompletedProcess(["openstack", *args], code,
                                               out.read_text(errors="replace"),
                                               err.read_text(errors="replace"))

    def close(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_openstack(cli: Path, args: list[str], env: dict[str, str],
                  timeout: float) -> subprocess.CompletedProcess[str]:
    """`openstack *args` with `env`, from the fork server unless told to start it afresh."""
    global _server
    if os.environ.get("NIMBUS_TEST_CLI") == "exec":
        return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True,
                              timeout=timeout)
    with _lock:
        if _server is None or _server.proc.poll() is not None:
            _server = CliForkServer()
            atexit.register(_server.close)
        return _server.run(args, env, timeout)
