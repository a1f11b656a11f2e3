"""``multipart/form-data`` read as it arrives: one part at a time, a file part's bytes streamed,
never the whole body in memory (a form may carry files of gigabytes)."""

from __future__ import annotations

from collections.abc import Iterator

# How much of a part's headers is read before the part is refused.
MAX_HEADER_BYTES = 8192


class MimeInvalid(ValueError):
    """The body does not start with the boundary, or a part's headers never end."""


def parse_header(value: str) -> tuple[str, dict[str, str]]:
    """``type; name="value"; ...`` (Content-Type, Content-Disposition) into the lower-cased
    type and its parameters (names lower-cased, quotes removed)."""
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    while rest:
        rest = rest.lstrip(" \t;")
        name, eq, rest = rest.partition("=")
        if not eq:
            break
        rest = rest.lstrip()
        if rest.startswith('"'):
            chars: list[str] = []
            index = 1
            while index < len(rest) and rest[index] != '"':
                if rest[index] == "\\" and index + 1 < len(rest):
                    index += 1
                chars.append(rest[index])
                index += 1
            param, rest = "".join(chars), rest[index + 1:]
        else:
            param, _, rest = rest.partition(";")
            param = param.strip()
        params[name.strip().lower()] = param
    return head.strip().lower(), params


class Part:
    """One part: its headers (names lower-cased) and its body, read through ``chunks``."""

    def __init__(self, reader: MultipartReader, headers: dict[str, str]) -> None:
        self._reader = reader
        self.headers = headers
        self.disposition, self.params = parse_header(headers.get("content-disposition", ""))

    @property
    def name(self) -> str | None:
        return self.params.get("name")

    @property
    def filename(self) -> str | None:
        return self.params.get("filename")

    def chunks(self) -> Iterator[bytes]:
        return self._reader.body()

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the body; the rest is read and dropped."""
        data = bytearray()
        for chunk in self.chunks():
            if len(data) < limit:
                data += chunk[:limit - len(data)]
        return bytes(data)


class MultipartReader:
    def __init__(self, source: Iterator[bytes], boundary: str) -> None:
        self._source = source
        self._delimiter = b"--" + boundary.encode("utf-8")
        self._separator = b"\r\n" + self._delimiter
        self._buffer = b""
        self._done = False
        self._in_body = False

    def _fill(self) -> bool:
        for chunk in self._source:
            if chunk:
                self._buffer += chunk
                return True
        return False

    def parts(self) -> Iterator[Part]:
        """The parts in order; each one's body must be read (or dropped) before the next."""
        while not self._buffer.startswith(self._delimiter):
            if self._buffer.startswith(b"\r\n"):
                self._buffer = self._buffer[2:]  # blank lines before the first boundary
                continue
            if len(self._buffer) >= len(self._delimiter) and \
                    not self._delimiter.startswith(self._buffer[:len(self._delimiter)]):
                raise MimeInvalid("invalid starting boundary")
            if not self._fill():
                raise MimeInvalid("invalid starting boundary")
        self._buffer = self._buffer[len(self._delimiter):]
        while not self._done:
            while len(self._buffer) < 2 and self._fill():
                pass
            if self._buffer.startswith(b"--") or not self._buffer:
                return
            yield Part(self, self._headers())
            for _chunk in self.body():
                pass  # whatever the caller left unread

    def _headers(self) -> dict[str, str]:
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > MAX_HEADER_BYTES or not self._fill():
                raise MimeInvalid("part headers too long or cut short")
        # What follows the boundary on its line is padding; the headers start on the next.
        _padding, _, rest = self._buffer.partition(b"\r\n")
        if rest.startswith(b"\r\n"):
            block, self._buffer = b"", rest[2:]
        else:
            raw, _, self._buffer = rest.partition(b"\r\n\r\n")
            block = raw
        headers: dict[str, str] = {}
        for line in block.split(b"\r\n"):
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        self._in_body = True
        return headers

    def body(self) -> Iterator[bytes]:
        """The current part's bytes up to the next boundary."""
        keep = len(self._separator) - 1
        while self._in_body:
            found = self._buffer.find(self._separator)
            if found >= 0:
                data, self._buffer = self._buffer[:found], self._buffer[found + len(
                    self._separator):]
                self._in_body = False
                if data:
                    yield data
                return
            if len(self._buffer) > keep:
                data, self._buffer = self._buffer[:-keep], self._buffer[-keep:]
                yield data
            if not self._fill():
                # The body ended without its closing boundary: what came is the last part.
                self._in_body, self._done = False, True
                if self._buffer:
                    data, self._buffer = self._buffer, b""
                    yield data
                return
