"""Microversion negotiation for Nova, Placement and Cinder style headers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering

from nimbus.core.errors import BadRequest, NotAcceptable


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        try:
            major, minor = text.strip().split(".")
            return cls(int(major), int(minor))
        except ValueError:
            raise BadRequest(f"Version {text} is not a valid microversion; use X.Y.") from None

    def __lt__(self, other: object) -> bool:
        if isinstance(other, str):
            other = Version.parse(other)
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = Version.parse(other)
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor) == (other.major, other.minor)

    def __hash__(self) -> int:
        return hash((self.major, self.minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class MicroversionSpec:
    """How one service negotiates: its header name, the range it serves, legacy headers."""

    service: str
    minimum: str
    maximum: str
    legacy_header: str | None = None

    def negotiate(self, headers: dict[str, str]) -> Version:
        low, high = Version.parse(self.minimum), Version.parse(self.maximum)
        requested: str | None = None
        for part in headers.get("openstack-api-version", "").split(","):
            bits = part.strip().split()
            if len(bits) == 2 and bits[0].lower() == self.service:
                requested = bits[1]
        if requested is None and self.legacy_header:
            requested = headers.get(self.legacy_header.lower())
        if not requested:
            return low
        if requested.strip().lower() == "latest":
            return high
        version = Version.parse(requested)
        if not low <= version <= high:
            raise NotAcceptable(
                f"Version {version} is not supported by the API. Minimum is {low} and maximum is "
                f"{high}."
            )
        return version

    def response_headers(self, version: Version) -> dict[str, str]:
        headers = {"OpenStack-API-Version": f"{self.service} {version}", "Vary": "OpenStack-API-Version"}
        if self.legacy_header:
            headers[self.legacy_header] = str(version)
            headers["Vary"] += f", {self.legacy_header}"
        return headers
