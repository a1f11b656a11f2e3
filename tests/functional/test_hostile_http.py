"""Hostile HTTP on a running cloud: bodies shorter than announced, clients that vanish mid-upload,
and headers that are not numbers. Each is a 4xx or a quiet INFO line, never a 5xx or an ERROR."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cloud_process import CloudProcess

COVERS = [("all", "a body shorter than its Content-Length times out with 408 (every write "
                  "route)"),
          ("all", "a client that disconnects mid-body or mid-upload is an INFO line, not an "
                  "error (every write route)"),
          ("all", "a Content-Length that is not a number is a 400")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("hostile") / "state"
    state.mkdir()
    (state / "nimbus.yaml").write_text(yaml.safe_dump({"request_body_timeout": 2}))
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def _token(cloud: CloudProcess) -> tuple[str, str]:
    """An admin token and the admin project's id."""
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": secrets["admin_password"]}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    status, headers, made = _exchange(cloud, "POST", "/identity/v3/auth/tokens",
                                      json.dumps(body).encode())
    assert status == 201
    return headers["x-subject-token"], json.loads(made)["token"]["project"]["id"]


def _exchange(cloud: CloudProcess, method: str, path: str, body: bytes = b"",
              headers: dict[str, str] | None = None, announce: int | None = None,
              timeout: float = 15) -> tuple[int, dict[str, str], bytes]:
    """One request on a raw socket (announcing ``announce`` bytes, sending ``body``)."""
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=timeout) as sock:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{cloud.port}",
                 f"Content-Length: {len(body) if announce is None else announce}",
                 "Content-Type: application/json", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), parsed, rest


def _log_errors(cloud: CloudProcess) -> list[dict[str, Any]]:
    found = []
    for line in (cloud.state_dir / "nimbus.log").read_text().splitlines():
        record = json.loads(line)
        if record["level"] in ("ERROR", "CRITICAL"):
            found.append(record)
    return found


def test_a_short_body_times_out(cloud: CloudProcess) -> None:
    started = time.monotonic()
    status, _, body = _exchange(cloud, "POST", "/identity/v3/auth/tokens", b'{"auth": ',
                                announce=500)
    assert status == 408, body
    assert time.monotonic() - started < 14
    assert _log_errors(cloud) == []


def test_a_content_length_that_is_not_a_number_is_a_400(cloud: CloudProcess) -> None:
    token, _ = _token(cloud)
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=10) as sock:
        sock.sendall(f"POST /compute/v2.1/servers HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}"
                     "\r\nContent-Length: lots\r\nConnection: close\r\n\r\n".encode())
        data = sock.recv(65536)
    assert data.split()[1] == b"400"
    assert _log_errors(cloud) == []


def test_a_client_that_vanishes_mid_upload_is_no_error(cloud: CloudProcess) -> None:
    token, project = _token(cloud)
    status, _, _ = _exchange(cloud, "PUT", f"/object/v1/AUTH_{project}/c",
                             headers={"X-Auth-Token": token})
    assert status in (201, 202)
    status, _, made = _exchange(cloud, "POST", "/image/v2/images", json.dumps(
        {"name": "vanishing", "disk_format": "raw", "container_format": "bare"}).encode(),
        headers={"X-Auth-Token": token})
    assert status == 201
    image_id = json.loads(made)["id"]
    for path in (f"/image/v2/images/{image_id}/file", f"/object/v1/AUTH_{project}/c/o"):
        with socket.create_connection(("127.0.0.1", cloud.port), timeout=10) as sock:
            sock.sendall((f"PUT {path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Length: 10000000\r\n\r\n").encode() + b"\0" * 100_000)
            time.sleep(0.3)
    time.sleep(1.5)
    assert _log_errors(cloud) == []
    assert cloud.server_errors() == []
    status, _, shown = _exchange(cloud, "GET", f"/image/v2/images/{image_id}",
                                 headers={"X-Auth-Token": token, "Accept": "application/json"})
    assert status == 200 and json.loads(shown)["status"] in ("queued", "killed")


def test_the_cloud_still_answers(cloud: CloudProcess, tmp_path: Path) -> None:
    status, _, _ = _exchange(cloud, "GET", "/health")
    assert status == 200


def _write_routes() -> list[tuple[str, str]]:
    import re

    from nimbus.core.plugins import SERVICES, service_definition

    found = []
    for name in SERVICES:
        definition = service_definition(name)
        for spec in definition.router.routes:
            for method in spec.methods:
                if method in ("POST", "PUT", "PATCH") and not spec.stream:
                    path = re.sub(r"\{[^}]+\}", "x0", spec.path)
                    found.append((method, definition.prefix + path))
    return found


def test_every_write_route_times_out_a_short_body(cloud: CloudProcess) -> None:
    from concurrent.futures import ThreadPoolExecutor

    routes = _write_routes()

    def short(route: tuple[str, str]) -> tuple[str, int]:
        method, path = route
        status, _, _ = _exchange(cloud, method, path, b'{"x": ', announce=200, timeout=30)
        return f"{method} {path}", status

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(short, routes))
    assert len(results) > 150
    assert [r for r in results if r[1] != 408] == []
    assert _log_errors(cloud) == [] and cloud.server_errors() == []


def test_every_write_route_shrugs_off_a_disconnect(cloud: CloudProcess) -> None:
    for method, path in _write_routes():
        with socket.create_connection(("127.0.0.1", cloud.port), timeout=10) as sock:
            sock.sendall((f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n"
                          "Content-Type: application/json\r\n\r\n").encode() + b'{"x": ')
    time.sleep(1)
    assert _log_errors(cloud) == [] and cloud.server_errors() == []
    status, _, _ = _exchange(cloud, "GET", "/health")
    assert status == 200
