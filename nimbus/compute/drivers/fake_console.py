"""Consoles that answer, for the fake driver: a loopback TCP server per guest console.

A console proxy needs something real at the address a driver reports, or nothing past the token
check can be tested. Each guest's VNC console (``novnc`` and ``xvpvnc`` share it, as they share
a hypervisor's VNC server) speaks enough RFB 3.8 for a client to connect: the version, the
``None`` security type, and a small desktop of one colour named after the guest. Its serial
console greets and then echoes what it is sent.

The servers listen on 127.0.0.1 only, on ports the kernel picks, and are opened when a console
is first asked for. A host keeps at most ``MAX_CONSOLES`` of them (the least recently asked-for
one goes first) and each takes at most ``MAX_CLIENTS`` connections at once. All of a host's
servers run on one event loop in one thread, which stops when the driver closes them.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Container, Coroutine
from typing import Any

LISTEN_HOST = "127.0.0.1"
MAX_CONSOLES = 64
MAX_CLIENTS = 4
# The console types each kind of server answers.
KINDS = {"novnc": "vnc", "xvpvnc": "vnc", "serial": "serial"}

# The desktop: tiny, so that a full update is a few kilobytes.
WIDTH, HEIGHT = 64, 48
# 32 bits a pixel, depth 24, little-endian, true colour, 8 bits a channel: red, green, blue.
PIXEL_FORMAT = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
# The desktop's colour: red, green, blue.
COLOUR = (0x1f, 0x6f, 0x8b)
# Client messages of a fixed size after their type byte: SetPixelFormat, FramebufferUpdate-
# Request, KeyEvent, PointerEvent.
_FIXED = {0: 19, 3: 9, 4: 7, 5: 5}
# A client's cut text beyond this is not a clipboard but an attack on memory.
MAX_CUT_TEXT = 1 << 20

Session = Callable[[asyncio.StreamReader, asyncio.StreamWriter, str], Awaitable[None]]


def paint(pixel_format: bytes) -> bytes:
    """One pixel of the desktop's colour in the client's pixel format (black where the
    format uses a colour map, which this server never sends)."""
    bpp, _, big_endian, true_colour, *maxes_and_shifts = struct.unpack(
        ">BBBBHHHBBB", pixel_format[:13])
    size = max(1, bpp // 8)
    if not true_colour:
        return bytes(size)
    maxes, shifts = maxes_and_shifts[:3], maxes_and_shifts[3:]
    value = sum((level * top // 255) << shift
                for level, top, shift in zip(COLOUR, maxes, shifts, strict=True))
    return (value & ((1 << (8 * size)) - 1)).to_bytes(size, "big" if big_endian else "little")


async def serve_vnc(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    desktop: str) -> None:
    """One RFB session: the handshake (3.3, 3.7 or 3.8, security ``None``), then updates of
    the whole desktop whenever the client asks for a full one."""
    writer.write(b"RFB 003.008\n")
    await writer.drain()
    version = await reader.readexactly(12)
    if not version.startswith(b"RFB 003.") or not version[8:11].isdigit():
        return
    minor = min(int(version[8:11]), 8)
    if minor < 7:
        # 3.3: the server decides the security type alone.
        writer.write(struct.pack(">I", 1))
    else:
        writer.write(bytes((1, 1)))
        await writer.drain()
        if (await reader.readexactly(1)) != b"\x01":
            if minor >= 8:
                reason = b"Only security type None is offered."
                writer.write(struct.pack(">II", 1, len(reason)) + reason)
                await writer.drain()
            return
        if minor >= 8:
            writer.write(struct.pack(">I", 0))
    await writer.drain()
    await reader.readexactly(1)     # ClientInit: whether the desktop is shared
    name = desktop.encode()[:64]
    writer.write(struct.pack(">HH", WIDTH, HEIGHT) + PIXEL_FORMAT
                 + struct.pack(">I", len(name)) + name)
    await writer.drain()
    pixel = paint(PIXEL_FORMAT)
    while True:
        kind = (await reader.readexactly(1))[0]
        if kind in _FIXED:
            body = await reader.readexactly(_FIXED[kind])
            if kind == 0:
                pixel = paint(body[3:])
            elif kind == 3 and not body[0]:
                writer.write(struct.pack(">BxHHHHHi", 0, 1, 0, 0, WIDTH, HEIGHT, 0)
                             + pixel * (WIDTH * HEIGHT))
                await writer.drain()
        elif kind == 2:             # SetEncodings: a count, then that many 4-byte encodings
            count = struct.unpack(">xH", await reader.readexactly(3))[0]
            await reader.readexactly(4 * count)
        elif kind == 6:             # ClientCutText: a length, then the text
            length = struct.unpack(">3xI", await reader.readexactly(7))[0]
            if length > MAX_CUT_TEXT:
                return
            await reader.readexactly(length)
        else:
            return


async def serve_serial(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       desktop: str) -> None:
    """A serial line: a greeting, then every byte sent comes back."""
    writer.write(f"\r\n{desktop} serial console\r\n".encode())
    await writer.drain()
    while chunk := await reader.read(4096):
        writer.write(chunk)
        await writer.drain()


_SERVE: dict[str, Session] = {"vnc": serve_vnc, "serial": serve_serial}


class _Console:
    """One listening server and the connections it has accepted."""

    def __init__(self, kind: str, desktop: str) -> None:
        self.kind = kind
        self.desktop = desktop
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.clients: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._client, LISTEN_HOST, 0)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self.clients) >= MAX_CLIENTS:
            writer.close()
            return
        self.clients.add(writer)
        try:
            await _SERVE[self.kind](reader, writer, self.desktop)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass            # the client went away: nothing to answer
        finally:
            self.clients.discard(writer)
            writer.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in list(self.clients):
            writer.close()
        self.clients.clear()


class FakeConsoles:
    """The console servers of one simulated host."""

    def __init__(self, host: str, limit: int = MAX_CONSOLES) -> None:
        self.host = host
        self.limit = limit
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._open: OrderedDict[tuple[str, str], _Console] = OrderedDict()

    def get_console(self, instance: dict[str, Any], console_type: str,
                    guests: Container[str]) -> dict[str, Any]:
        """The guest's console address, its server opened on first use. ``guests`` are the
        host's guests now: the servers of any that left (deleted, moved away) are closed."""
        kind = KINDS.get(console_type)
        if kind is None:
            # Nothing answers there; a port that stays the guest's, as a hypervisor's would.
            port = 5900 + int(instance["uuid"].replace("-", "")[:4], 16) % 1000
            return {"host": LISTEN_HOST, "port": port, "internal_access_path": None}
        desktop = f"QEMU ({instance.get('name') or instance['uuid']})"
        with self._lock:
            for key in [k for k in self._open if k[0] not in guests]:
                self._close(key)
            key = (instance["uuid"], kind)
            console = self._open.get(key)
            if console is None:
                while len(self._open) >= self.limit:
                    self._close(next(iter(self._open)))
                console = _Console(kind, desktop)
                self._run(console.open())
                self._open[key] = console
            self._open.move_to_end(key)
            return {"host": LISTEN_HOST, "port": console.port, "internal_access_path": None}

    def close_guest(self, instance_uuid: str) -> None:
        """Close the guest's consoles (it was destroyed); a later ask opens new ones."""
        with self._lock:
            for key in [k for k in self._open if k[0] == instance_uuid]:
                self._close(key)

    def close(self) -> None:
        """Close every console and stop the loop that serves them."""
        with self._lock:
            for key in list(self._open):
                self._close(key)
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(timeout=5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            if not thread.is_alive():
                loop.close()

    # -- the loop ---------------------------------------------------------------------------
    def _close(self, key: tuple[str, str]) -> None:
        console = self._open.pop(key)

        async def closing() -> None:
            console.close()

        # Waited for, so that the port is closed when this returns.
        self._run(closing())

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, daemon=True,
                                      name=f"fake-consoles-{self.host}")
            thread.start()
            self._loop, self._thread = loop, thread
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)


async def _cancel_all() -> None:
    """End the sessions still running, so that the loop stops with no task left behind."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
