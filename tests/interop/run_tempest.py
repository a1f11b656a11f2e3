#!/usr/bin/env python3
"""Run stock tempest against a fresh `nimbus up` and hold the ratchet.

    python tests/interop/run_tempest.py --components identity,image [--update]
    python tests/interop/run_tempest.py --regex '^tempest\\.api\\.identity\\.'

It installs tempest 47.0.0 into .venv-tempest when missing, starts the cloud in a scratch state
directory, writes tempest.conf with `nimbus tempest-config`, runs the selected tests, and then:
- fails when a test listed in tests/interop/passing.txt did not pass (skips are not passes);
- fails when the cloud answered any request with a 5xx;
- prints the tests that newly pass (`--update` adds them to the ratchet file).

`--variant KEY=VALUE:REGEX` also runs the tests matching REGEX against a second cloud started
with that setting, for tests tempest runs only under one value of a setting; a test skipped in
one pass and passed in the other counts as passed.

`--real` starts the cloud with real guests on real networks (root) and runs tempest inside the
cloud's ext namespace with SSH validation through floating IPs, for the scenario tests; their
ratchet is tests/interop/scenario-passing.txt (`--ratchet`), and CI runs the share of them
tests/interop/scenario-ci.txt lists (`--include-file`).

CI has no internet, so the runner serves tempest's `[image] http_image` (a small raw image) and
`http_qcow2_image` itself, from a thread on loopback, and starts the cloud with that host:port
as its only web-download allow-list entry (so web-download and http image locations work).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import tempest_extras

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RATCHET = HERE / "passing.txt"
# At most this many ratchet tests lost in a run are tried again once; more is no race.
RETRY_AT_MOST = 10
TEMPEST_VERSION = "47.0.0"
# The orchestration interop tests are this plugin's.
HEAT_PLUGIN_VERSION = "3.0.0"
# A scenario test (tempest's image-format tests) carries its scenario in parentheses; it is
# part of the name, since each scenario passes or fails on its own.
RESULT = re.compile(r"^\{\d+\} (?P<test>[\w.]+)(?:\[[^\]]*\])?(?P<scenario>\([^)]*\))? "
                    r"\[[\d.]+s\] \.\.\. (?P<status>ok|FAILED)")
CLASS_FAILED = re.compile(r"^\{\d+\} setUpClass \((?P<cls>[\w.]+)\) \[[\d.]+s\] \.\.\. FAILED")
SKIP = re.compile(r"^\{\d+\} (?:setUpClass \()?(?P<test>[\w.]+)(?P<scenario>\([^)]*\))?\)? "
                  r"\.\.\. SKIPPED")


def venv() -> Path:
    path = ROOT / ".venv-tempest"
    tempest = path / "bin" / "tempest"
    if not tempest.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "pip"), "install", "-q", f"tempest=={TEMPEST_VERSION}"],
                       check=True)
    if not list(path.glob("lib/python*/site-packages/heat_tempest_plugin")):
        subprocess.run([str(path / "bin" / "pip"), "install", "-q",
                        f"tempest=={TEMPEST_VERSION}",
                        f"heat-tempest-plugin=={HEAT_PLUGIN_VERSION}"], check=True)
    return path


def include_list(components: set[str] | None, statuses: set[str]) -> list[str]:
    lines = []
    for raw in (HERE / "required-tests.txt").read_text().splitlines():
        if raw.startswith("#") or not raw.strip():
            continue
        cols = raw.split("\t")
        if cols[1] not in statuses or (components and cols[0] not in components):
            continue
        names = [cols[5]] + (cols[6].split(";") if len(cols) > 6 and cols[6] else [])
        # A gabbi test (heat's API tests) has no idempotent id in brackets after its name.
        lines.extend("^" + re.escape(n) + r"(\[|$)" for n in names)
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def qcow2_image(virtual_size: int = 1024 * 1024, cluster_bits: int = 16) -> bytes:
    """A valid, empty qcow2 (v3): header, refcount table and block, one L1 table."""
    cluster = 1 << cluster_bits
    out = bytearray(4 * cluster)
    # magic, version, backing offset/size, cluster_bits, size, crypt, l1_size, l1 offset,
    # refcount table offset, refcount table clusters, snapshots count and offset.
    struct.pack_into(">4sIQIIQIIQQIIQ", out, 0, b"QFI\xfb", 3, 0, 0, cluster_bits, virtual_size,
                     0, 1, 3 * cluster, cluster, 1, 0, 0)
    # v3: feature bits, refcount_order 4 (16-bit refcounts), header length.
    struct.pack_into(">QQQII", out, 72, 0, 0, 0, 4, 104)
    struct.pack_into(">Q", out, cluster, 2 * cluster)
    for index in range(4):
        struct.pack_into(">H", out, 2 * cluster + 2 * index, 1)
    return bytes(out)


class ImageServer:
    """Serves /image.raw and /image.qcow2 on loopback (GET, HEAD and byte ranges)."""

    def __init__(self) -> None:
        files = {"/image.raw": random.Random(47).randbytes(1024 * 1024),
                 "/image.qcow2": qcow2_image()}

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                data = files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                status, first, last = 200, 0, len(data) - 1
                match = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range") or "")
                if match and match.group(1):
                    status, first = 206, int(match.group(1))
                    last = min(int(match.group(2) or last), last)
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(last - first + 1))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
                self.end_headers()
                if body:
                    self.wfile.write(data[first:last + 1])

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                self._answer(True)

            def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
                self._answer(False)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> ImageServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"nimbus up exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("nimbus up did not become healthy")


def test_regex(name: str) -> str:
    """A regex for one test id as the results name it; tempest's id carries its idempotent id
    in brackets between the method and a scenario's parentheses, which the name leaves out."""
    base, paren, scenario = name.partition("(")
    return f"^{re.escape(base)}(\\[[^]]*\\])?" + (re.escape(paren + scenario) if paren else "")


def failure_detail(output: str, name: str, most: int = 40) -> str:
    """The last traceback tempest printed for ``name``, cut to its tail, so that a lost test
    says why in the run's own output and not only in a work directory that a CI run drops."""
    pattern = re.compile(test_regex(name).lstrip("^") + r"\s*$")
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if pattern.match(line)]
    if not starts:
        return f"  (no traceback for {name})"
    block: list[str] = []
    for line in lines[starts[-1] + 1:]:
        if line.startswith("Captured pythonlogging") or line.startswith("====="):
            break
        block.append(line)
    return f"--- {name}\n" + "\n".join(block[-most:])


def server_errors(log: Path) -> list[str]:
    bad = []
    if not log.exists():
        return bad
    for line in log.read_text(errors="replace").splitlines():
        try:
            msg = json.loads(line).get("msg", "")
        except ValueError:
            continue
        parts = msg.split()
        if len(parts) >= 4 and parts[0].startswith("req-") and parts[3].startswith("5"):
            bad.append(msg)
    return bad


def yaml_value(text: str) -> Any:
    """``false`` → False, ``3`` → 3, anything else as written."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return int(text) if text.isdigit() else text


def run_pass(args: argparse.Namespace, tempest_venv: Path, work: Path, extra: dict[str, Any],
             selection: list[str]) -> str:
    """Start a cloud with ``extra`` settings in ``work``, run the selected tests; the output."""
    state, ws = work / "state", work / "ws"
    port = free_port()
    images = ImageServer().start()
    state.mkdir(parents=True)
    # A snapshot's upload takes two seconds, as a real one takes a while: tempest's
    # test_delete_saving_image must find the image "saving" (it polls every second).
    (state / "nimbus.yaml").write_text(json.dumps(
        {"image_web_download_allow": [images.host], "compute_fake_snapshot_seconds": 2,
         **extra}) + "\n")
    cmd = [str(ROOT / ".venv" / "bin" / "nimbus") if (ROOT / ".venv" / "bin" / "nimbus").exists()
           else "nimbus", "up", "--state-dir", str(state), "--port", str(port)]
    if args.db_url:
        cmd += ["--db-url", args.db_url]
    if args.bus_url:
        cmd += ["--bus-url", args.bus_url]
    if args.real:
        cmd += ["--real"]
    up = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    remote: subprocess.Popen[bytes] | None = None
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", up)
        inside: list[str] = []
        if args.real:
            # Tempest runs where guests are reached: the cloud's ext namespace.
            inside = [cmd[0], "netns", "exec", "--state-dir", str(state), "--"]
            tempest_extras.wait_real(state, inside, port, up)
        else:
            # A second image API node of the same cloud (tempest's alternate_image_endpoint).
            remote = tempest_extras.start_remote_api(cmd[0], state, port)
            wait_healthy(f"http://{tempest_extras.REMOTE_HOST}:{port}/health", remote)
            tempest_extras.register_remote(state, port)
        subprocess.run([str(tempest_venv / "bin" / "tempest"), "init", "--workspace-path",
                        str(work / "workspaces.yaml"), str(ws)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([cmd[0], "tempest-config", "--state-dir", str(state), "--workspace",
                        str(ws), "-o", str(ws / "etc" / "tempest.conf"),
                        "--http-image", f"http://{images.host}/image.raw",
                        "--http-qcow2-image", f"http://{images.host}/image.qcow2"], check=True)
        tempest_extras.set_manifest(ws / "etc" / "tempest.conf",
                                    tempest_extras.format_images(work / "format-images"))
        run = [*inside, str(tempest_venv / "bin" / "tempest"), "run", "--concurrency",
               str(args.concurrency), *selection]
        env = dict(os.environ, PATH=f"{tempest_venv / 'bin'}:{os.environ.get('PATH', '')}")
        proc = subprocess.run(run, cwd=ws, env=env, capture_output=True, text=True)
        return proc.stdout + proc.stderr
    finally:
        if remote is not None:
            os.killpg(remote.pid, signal.SIGTERM)
            remote.wait(timeout=30)
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=30)
        images.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--components", help="interop components, e.g. identity,image")
    parser.add_argument("--flagged", action="store_true", help="include required-flagged tests")
    parser.add_argument("--regex", help="run tests matching this regex instead")
    parser.add_argument("--include-file", type=Path,
                        help="run the tests this file lists (one regex a line) instead")
    parser.add_argument("--also", action="append", default=[],
                        help="a regex of more tests to run with the interop list (repeatable)")
    parser.add_argument("--require-ratchet", action="store_true",
                        help="fail when a test in the ratchet was not run at all (CI)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--update", action="store_true", help="add new passes to the ratchet")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--real", action="store_true",
                        help="real guests on real networks (nimbus up --real, as root), with "
                        "tempest's SSH validation, run inside the cloud's ext namespace")
    parser.add_argument("--ratchet", type=Path, default=RATCHET,
                        help="the ratchet file (default tests/interop/passing.txt)")
    parser.add_argument("--db-url")
    parser.add_argument("--bus-url")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the cloud under test (nimbus.yaml), e.g. "
                        "compute_fake_hosts=2 so that servers can move between hosts")
    parser.add_argument("--variant", action="append", default=[], metavar="KEY=VALUE:REGEX",
                        help="also run the tests matching REGEX against a second cloud with "
                        "this setting (for tests tempest runs only under the other value of "
                        "a setting, e.g. image_do_secure_hash=false:do_secure_hash_false)")
    args = parser.parse_args()
    # Stopped (CI stopping a background stage), the run still stops its cloud on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    tempest_venv = venv()
    work = Path(tempfile.mkdtemp(prefix="nimbus-tempest-"))
    if args.regex:
        selection: list[str] = ["--regex", args.regex]
    elif args.include_file:
        selection = ["--include-list", str(args.include_file.resolve())]
    else:
        comps = set(args.components.split(",")) if args.components else None
        statuses = {"required", "required-flagged"} if args.flagged else {"required"}
        lines = include_list(comps, statuses) + list(args.also)
        work.mkdir(parents=True, exist_ok=True)
        (work / "include.txt").write_text("\n".join(lines) + "\n")
        selection = ["--include-list", str(work / "include.txt")]
    base: dict[str, Any] = {}
    for setting in args.set:
        key, _, value = setting.partition("=")
        if not (key and value):
            parser.error(f"--set wants KEY=VALUE, not {setting!r}")
        base[key] = yaml_value(value)
    runs = [(work, base, selection)]
    for index, variant in enumerate(args.variant):
        setting, _, regex = variant.partition(":")
        key, _, value = setting.partition("=")
        if not (key and value and regex):
            parser.error(f"--variant wants KEY=VALUE:REGEX, not {variant!r}")
        runs.append((work / f"variant-{index}", {**base, key: yaml_value(value)},
                     ["--regex", regex]))
    output, logs = "", []
    for where, extra, chosen in runs:
        output += run_pass(args, tempest_venv, where, extra, chosen)
        logs.append(where / "state" / "nimbus.log")
    (work / "tempest-output.txt").write_text(output)

    passed, failed, skipped = set(), set(), set()
    for line in output.splitlines():
        m = RESULT.match(line)
        if m:
            name = m.group("test") + (m.group("scenario") or "")
            (passed if m.group("status") == "ok" else failed).add(name)
            continue
        m = SKIP.match(line)
        if m:
            skipped.add(m.group("test") + (m.group("scenario") or ""))
            continue
        m = CLASS_FAILED.match(line)
        if m:
            # Every test of a class whose set-up failed is a failure, counted once by class.
            failed.add(m.group("cls") + " (setUpClass)")
    ratchet = set(args.ratchet.read_text().split()) if args.ratchet.exists() else set()
    selected_ratchet = {t for t in ratchet if t in passed | failed | skipped}
    if args.require_ratchet:
        # A test dropped from the selection must not leave the ratchet unnoticed.
        selected_ratchet = ratchet
    lost = sorted(selected_ratchet - passed)
    if lost and len(lost) <= RETRY_AT_MOST:
        # A test that lost a race with its own cloud (a build finishing between two of its
        # polls, say) gets one more go on a fresh cloud; it is named below either way.
        again = run_pass(args, tempest_venv, work / "retry", base,
                         ["--regex", "|".join(map(test_regex, lost))])
        output += again
        retried = {m.group("test") + (m.group("scenario") or "")
                   for m in map(RESULT.match, again.splitlines())
                   if m and m.group("status") == "ok"}
        for test in sorted(retried & set(lost)):
            print(f"  PASSED ON RETRY (flaky) {test}")
        passed |= retried
        failed -= retried
        lost = sorted(set(lost) - retried)
    new = sorted(passed - ratchet)
    errors = [e for log in logs for e in server_errors(log)]
    # A test tempest skips under one setting and runs under the other passed once: a pass.
    skipped -= passed
    print(f"tempest: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
    for test in sorted(failed):
        print(f"  FAILED  {test}")
    for test in sorted(skipped):
        print(f"  SKIPPED {test}")
    if new:
        print(f"{len(new)} newly passing:" + "".join(f"\n  {t}" for t in new))
        if args.update:
            args.ratchet.write_text("\n".join(sorted(ratchet | passed)) + "\n")
    if lost:
        print(f"RATCHET: {len(lost)} tests that passed before did not pass now:"
              + "".join(f"\n  {t}" for t in lost))
        for test in lost:
            print(failure_detail(output, test))
    if errors:
        print(f"SERVER ERRORS: {len(errors)} requests answered 5xx:" +
              "".join(f"\n  {e}" for e in errors[:20]))
    if args.keep or lost or errors:
        print(f"details kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if not passed and not failed:
        print(output[-3000:])
        return 1
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
