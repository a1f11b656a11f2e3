"""The Instances panel's data: a page of the project's servers, one server in detail, and the
status of the rows a browser is watching, each read from compute as the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError, NotFound

# Horizon's API_RESULT_PAGE_SIZE default.
PAGE_SIZE = 20
# The flavor comes embedded in the server from this microversion on.
MICROVERSION = {"OpenStack-API-Version": "compute 2.47"}
# States a row keeps changing in: the browser asks for these again until they settle.
SETTLING = {"BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "REBOOT", "HARD_REBOOT",
            "MIGRATING", "PASSWORD"}
POWER = {0: "No State", 1: "Running", 3: "Paused", 4: "Shut Down", 6: "Crashed",
         7: "Suspended"}


@dataclass(frozen=True)
class ServerRow:
    id: str
    name: str
    image: str
    addresses: list[str]
    flavor: str
    key_name: str
    status: str
    task: str
    power: str
    zone: str
    created: str

    @property
    def settling(self) -> bool:
        return self.status in SETTLING or bool(self.task)


def _addresses(server: dict[str, Any]) -> list[str]:
    return [f"{net}: {a['addr']}" + (" (floating)" if a.get("OS-EXT-IPS:type") == "floating"
                                     else "")
            for net, addrs in sorted((server.get("addresses") or {}).items()) for a in addrs]


def _row(server: dict[str, Any], images: dict[str, str]) -> ServerRow:
    image = server.get("image") or {}
    image_id = image.get("id", "") if isinstance(image, dict) else ""
    return ServerRow(
        id=server["id"], name=server.get("name", ""),
        image=images.get(image_id, image_id) if image_id else "(booted from a volume)",
        addresses=_addresses(server),
        flavor=(server.get("flavor") or {}).get("original_name", ""),
        key_name=server.get("key_name") or "", status=server.get("status", ""),
        task=server.get("OS-EXT-STS:task_state") or "",
        power=POWER.get(server.get("OS-EXT-STS:power_state") or 0, "No State"),
        zone=server.get("OS-EXT-AZ:availability_zone", ""), created=server.get("created", ""))


def _image_names(user: UserSession, servers: list[dict[str, Any]]) -> dict[str, str]:
    wanted = {s["image"]["id"] for s in servers if isinstance(s.get("image"), dict)
              and s["image"].get("id")}
    names: dict[str, str] = {}
    for image_id in sorted(wanted):
        try:
            names[image_id] = user.get("image", f"/v2/images/{image_id}").get("name") or image_id
        except NimbusError:
            names[image_id] = image_id  # deleted since, or not visible: its id
    return names


def page(user: UserSession, marker: str = "") -> tuple[list[ServerRow], str]:
    """One page of servers, newest first, and the marker of the next page ("" if none)."""
    query = {"limit": PAGE_SIZE + 1, **({"marker": marker} if marker else {})}
    servers = user.get("compute", f"/servers/detail?{urlencode(query)}",
                       headers=MICROVERSION)["servers"]
    more = len(servers) > PAGE_SIZE
    servers = servers[:PAGE_SIZE]
    names = _image_names(user, servers)
    rows = [_row(s, names) for s in servers]
    return rows, (rows[-1].id if more and rows else "")


def detail(user: UserSession, server_id: str) -> tuple[ServerRow, dict[str, Any], str,
                                                        list[dict[str, Any]]]:
    """The server, its raw record, its console log and its action log."""
    server = user.get("compute", f"/servers/{server_id}", headers=MICROVERSION)["server"]
    try:
        log = user.request("compute", "POST", f"/servers/{server_id}/action",
                           {"os-getConsoleOutput": {"length": 200}})["output"]
    except (NimbusError, KeyError, TypeError):
        log = ""
    try:
        actions = user.get("compute", f"/servers/{server_id}/os-instance-actions")[
            "instanceActions"]
    except (NimbusError, KeyError, TypeError):
        actions = []
    return _row(server, _image_names(user, [server])), server, log, actions


def statuses(user: UserSession, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What the watched rows show now; a server gone since is ``{"gone": true}``."""
    found: dict[str, dict[str, Any]] = {}
    for server_id in ids[:PAGE_SIZE]:
        try:
            server = user.get("compute", f"/servers/{quote(server_id, safe='')}",
                              headers=MICROVERSION)["server"]
        except NimbusError as exc:
            if exc.code >= 500:
                raise
            # Deleted since, or no server of this project (a malformed id): not shown.
            found[server_id] = {"gone": True}
            continue
        row = _row(server, {})
        found[server_id] = {"status": row.status, "task": row.task, "power": row.power,
                            "addresses": row.addresses, "settling": row.settling}
    return found


# The row actions: the name the form sends → what compute is asked (None: DELETE the server).
ACTIONS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "delete": ("Delete Instance", None),
    "reboot": ("Soft Reboot Instance", {"reboot": {"type": "SOFT"}}),
    "hard_reboot": ("Hard Reboot Instance", {"reboot": {"type": "HARD"}}),
    "stop": ("Shut Off Instance", {"os-stop": None}),
    "start": ("Start Instance", {"os-start": None}),
    "pause": ("Pause Instance", {"pause": None}),
    "unpause": ("Resume Instance", {"unpause": None}),
    "suspend": ("Suspend Instance", {"suspend": None}),
    "resume": ("Resume Instance", {"resume": None}),
    "lock": ("Lock Instance", {"lock": None}),
    "unlock": ("Unlock Instance", {"unlock": None}),
    "shelve": ("Shelve Instance", {"shelve": None}),
    "unshelve": ("Unshelve Instance", {"unshelve": None}),
}


def act(user: UserSession, server_id: str, action: str) -> None:
    """One row action on the server; refusals are compute's own."""
    if action not in ACTIONS:
        raise NotFound(f"No instance action {action!r}.")
    body = ACTIONS[action][1]
    if body is None:
        user.request("compute", "DELETE", f"/servers/{server_id}")
    else:
        user.request("compute", "POST", f"/servers/{server_id}/action", body)


def console_url(user: UserSession, server_id: str) -> str:
    """A noVNC console of the server (a one-time URL compute's console proxy serves)."""
    found = user.request("compute", "POST", f"/servers/{server_id}/remote-consoles",
                         {"remote_console": {"protocol": "vnc", "type": "novnc"}},
                         headers={"OpenStack-API-Version": "compute 2.6"})
    return str(found["remote_console"]["url"])
