"""The console proxy carries a real connection: a websocket client goes through the app and
the proxy to the fake driver's console servers, does the RFB handshake and hears the serial
line echo; tokens that open nothing (unknown, of another kind, of a deleted server, from a
foreign page) are refused at the handshake."""

from __future__ import annotations

import socket
import struct
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.websockets import WebSocketDisconnect

from nimbus.compute.drivers.fake_console import FakeConsoles
from nimbus.compute.manager.console_proxy import ConsoleRefused, SessionLimit
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "console proxy: noVNC page, RFB and serial websockets to the fake "
                      "driver's consoles, refused tokens")]


def console(compute: Compute, server_id: str, protocol: str = "vnc", kind: str = "novnc",
            persona: str = "member") -> dict[str, Any]:
    resp = compute.as_(persona).post(
        f"/v2.1/servers/{server_id}/remote-consoles",
        json={"remote_console": {"protocol": protocol, "type": kind}}, headers=MV)
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["remote_console"])


def socket_path(url: str) -> str:
    """Where a client opens the websocket: for noVNC, "/" + the page's ``path`` parameter."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "path" in query:
        return "/" + query["path"][0]
    return f"{parts.path}?{parts.query}"


class Reader:
    """Reads exact byte counts from a websocket, whatever its messages' sizes."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.buffer = b""

    def read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.buffer += self.ws.receive_bytes()
        head, self.buffer = self.buffer[:count], self.buffer[count:]
        return head


def rfb_handshake(ws: Any) -> str:
    """The RFB 3.8 handshake a VNC client makes with security type None; the desktop name."""
    reader = Reader(ws)
    assert reader.read(12) == b"RFB 003.008\n"
    ws.send_bytes(b"RFB 003.008\n")
    count = reader.read(1)[0]
    assert 1 in reader.read(count)
    ws.send_bytes(b"\x01")
    assert reader.read(4) == b"\x00\x00\x00\x00"
    ws.send_bytes(b"\x01")                      # shared desktop
    width, height = struct.unpack(">HH", reader.read(4))
    assert width > 0 and height > 0
    reader.read(16)                             # pixel format
    name = reader.read(struct.unpack(">I", reader.read(4))[0]).decode()
    # A full update of the whole desktop comes back when asked for.
    ws.send_bytes(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    kind, rects = struct.unpack(">BxH", reader.read(4))
    assert (kind, rects) == (0, 1)
    x, y, w, h, encoding = struct.unpack(">HHHHi", reader.read(12))
    assert (x, y, w, h, encoding) == (0, 0, width, height, 0)
    assert len(reader.read(w * h * 4)) == w * h * 4
    return name


def instance_name(compute: Compute, server_id: str) -> str:
    shown = compute.as_("admin").get(f"/v2.1/servers/{server_id}", headers=MV).json()
    return str(shown["server"]["OS-EXT-SRV-ATTR:instance_name"])


def refused(compute: Compute, path: str, **kw: Any) -> bool:
    try:
        with compute.api.client.websocket_connect(path, **kw):
            return False
    except WebSocketDisconnect:
        return True


def test_novnc_page_and_rfb_session_reach_the_guest(compute: Compute) -> None:
    server = compute.boot()
    opened = console(compute, server["id"])
    page = compute.api.client.get(opened["url"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "noVNC" in page.text and "<script" in page.text and "</html>" in page.text
    with compute.api.client.websocket_connect(socket_path(opened["url"]),
                                              subprotocols=["binary"]) as ws:
        assert ws.accepted_subprotocol == "binary"
        name = rfb_handshake(ws)
    assert name == f"QEMU ({instance_name(compute, server['id'])})"


def test_legacy_action_url_works_too(compute: Compute) -> None:
    server = compute.boot()
    resp = compute.as_("member").post(f"/v2.1/servers/{server['id']}/action",
                                      json={"os-getVNCConsole": {"type": "novnc"}})
    url = resp.json()["console"]["url"]
    with compute.api.client.websocket_connect(socket_path(url)) as ws:
        assert rfb_handshake(ws).startswith("QEMU (")


def test_serial_console_greets_and_echoes(compute: Compute) -> None:
    server = compute.boot()
    opened = console(compute, server["id"], "serial", "serial")
    assert opened["url"].startswith("ws://")
    with compute.api.client.websocket_connect(socket_path(opened["url"])) as ws:
        heard = ws.receive_bytes()
        assert b"serial console" in heard
        ws.send_bytes(b"echo me\n")
        while b"echo me" not in heard:
            heard += ws.receive_bytes()
        ws.send_text("as text")
        while b"as text" not in heard:
            heard += ws.receive_bytes()


def test_tokens_that_open_nothing_are_refused(compute: Compute) -> None:
    server = compute.boot()
    path = socket_path(console(compute, server["id"])["url"])
    assert refused(compute, path.replace("token=", "token=bad"))
    assert refused(compute, path.split("?")[0])
    assert refused(compute, path.split("?")[0] + "?token=")
    # A serial token does not open the VNC console, nor a VNC token the serial line.
    serial = parse_qs(urlsplit(console(compute, server["id"], "serial", "serial")["url"]).query)
    assert refused(compute, f"{path.split('?')[0]}?token={serial['token'][0]}")
    vnc_token = parse_qs(urlsplit(path).query)["token"][0]
    assert refused(compute, f"/compute/console/serial/?token={vnc_token}")
    # A page of another site may not drive the user's console.
    assert refused(compute, path, headers={"origin": "http://elsewhere.example"})
    # The token in a cookie, as older noVNC pages send it, is good.
    with compute.api.client.websocket_connect(
            path.split("?")[0], headers={"cookie": f"token={vnc_token}",
                                         "origin": "http://testserver"}) as ws:
        assert rfb_handshake(ws).startswith("QEMU (")


def test_a_token_opens_only_its_own_server(compute: Compute) -> None:
    mine = compute.boot()
    theirs = compute.boot(persona="other")
    # Another project cannot get a console on this project's server...
    resp = compute.as_("other").post(
        f"/v2.1/servers/{mine['id']}/remote-consoles",
        json={"remote_console": {"protocol": "vnc", "type": "novnc"}}, headers=MV)
    assert resp.status_code == 404
    # ...and its own console's token leads to its own guest, not to this project's.
    with compute.api.client.websocket_connect(
            socket_path(console(compute, theirs["id"], persona="other")["url"])) as ws:
        name = rfb_handshake(ws)
    assert name == f"QEMU ({instance_name(compute, theirs['id'])})"
    assert name != f"QEMU ({instance_name(compute, mine['id'])})"


def test_a_deleted_servers_console_closes_and_its_token_is_refused(compute: Compute) -> None:
    server = compute.boot()
    url = console(compute, server["id"])["url"]
    token = parse_qs(urlsplit(socket_path(url)).query)["token"][0]
    where = compute.as_("admin").get(f"/v2.1/os-console-auth-tokens/{token}",
                                     headers=MV).json()["console"]
    socket.create_connection((where["host"], where["port"]), timeout=5).close()
    assert compute.as_("member").delete(f"/v2.1/servers/{server['id']}").status_code == 204
    compute.wait(server["id"], "GONE")
    assert refused(compute, socket_path(url))
    with pytest.raises(OSError):
        socket.create_connection((where["host"], where["port"]), timeout=5).close()


def test_a_token_for_a_console_that_moved_is_refused(compute: Compute) -> None:
    server = compute.boot()
    path = socket_path(console(compute, server["id"])["url"])
    # The hypervisor gives the guest's console another port (as after a move): the token
    # names the old one, so it opens nothing, and a new token works.
    [agent] = compute.state.agents
    agent.driver.consoles.close_guest(server["id"])
    assert refused(compute, path)
    with compute.api.client.websocket_connect(
            socket_path(console(compute, server["id"])["url"])) as ws:
        assert rfb_handshake(ws).startswith("QEMU (")


def test_sessions_are_bounded() -> None:
    limit = SessionLimit(most=1)
    with limit.hold(), pytest.raises(ConsoleRefused), limit.hold():
        pass
    with limit.hold():
        pass


def test_console_servers_are_bounded_and_closed() -> None:
    consoles = FakeConsoles("node", limit=2)
    guests = {f"{i}0000000-0000-4000-8000-000000000000" for i in range(3)}
    try:
        ports = [consoles.get_console({"uuid": uuid, "name": uuid}, "novnc", guests)["port"]
                 for uuid in sorted(guests)]
        # The least recently asked-for went to make room for the third.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ports[0]), timeout=5).close()
        for port in ports[1:]:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        # A guest that left the host loses its console on the next ask.
        again = consoles.get_console({"uuid": sorted(guests)[2], "name": "x"}, "serial",
                                     {sorted(guests)[2]})
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ports[1]), timeout=5).close()
    finally:
        consoles.close()
    for port in (ports[2], again["port"]):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
