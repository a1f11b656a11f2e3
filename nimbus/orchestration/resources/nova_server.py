"""``OS::Nova::Server``: a server booted from an image or a volume, on the networks it names
(ports made for it where a subnet or port properties are given, as Heat makes them).

Create waits for ACTIVE; a server that goes to ERROR fails with its fault, in Heat's words.
An update renames and changes metadata in place, resizes (and confirms) for a new flavor and
rebuilds for a new image; other changes replace the server. Suspend and resume use the server
actions, each with a ``check_*_complete`` to poll.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources import nova_server_schema as schema
from nimbus.orchestration.resources.base import Resource, ResourceFailure, UpdateReplace
from nimbus.orchestration.resources.glance import find_image_id
from nimbus.orchestration.resources.neutron import find_id
from nimbus.orchestration.resources.nova import find_flavor_id
from nimbus.orchestration.resources.nova_server_build import ServerBuild
from nimbus.orchestration.resources.schema import Attr, Prop
from nimbus.orchestration.resources.service_common import (
    dumps_meta,
    failure,
    fetch,
    in_error,
    item,
    plan,
    query,
    remove,
    run_steps,
    unknown_status,
)

# Statuses a server passes through on its way to ACTIVE (or back to it).
DEFERRED = {"BUILD", "HARD_REBOOT", "PASSWORD", "REBOOT", "RESCUE", "RESIZE", "REVERT_RESIZE",
            "SHUTOFF", "SUSPENDED", "VERIFY_RESIZE"}
CONSOLES = {"novnc": "vnc", "xvpvnc": "vnc", "spice-html5": "spice", "rdp-html5": "rdp",
            "serial": "serial", "webmks": "mks"}
TAGS_VERSION, REBUILD_USER_DATA_VERSION, CONSOLE_VERSION = "2.26", "2.57", "2.8"


def _version(*wanted: str) -> str:
    return max(wanted, key=lambda v: tuple(int(p) for p in v.split(".")))


class Server(ServerBuild):
    TYPE = "OS::Nova::Server"
    DESCRIPTION = ("A resource for managing Nova instances: the virtual machine running in an "
                   "OpenStack cloud.")
    HIDDEN = frozenset({"admin_user", "networks.uuid", "block_device_mapping_v2.image_id"})
    HIDDEN_ATTRIBUTES = frozenset({"first_address"})
    PROPERTIES: ClassVar[dict[str, Prop]] = schema.PROPERTIES
    ATTRIBUTES: ClassVar[dict[str, Attr]] = schema.ATTRIBUTES

    def create(self) -> None:
        self._validate_made()
        props = self.properties
        self.data["name"] = self.name_or_default()
        server: dict[str, Any] = {"name": self.data["name"],
                                  "flavorRef": find_flavor_id(self.nova, str(props["flavor"]))}
        if props.get("image"):
            server["imageRef"] = find_image_id(self.client("image"), str(props["image"]))
        versions = ["2.1"]
        nics = self._nics()
        if isinstance(nics, str):
            versions.append("2.37")
        elif nics and any("tag" in n for n in nics):
            versions.append("2.42")
        if any(m.get("volume_type") for m in props.get("block_device_mapping_v2") or []):
            versions.append("2.67")
        version = _version(*versions)
        if nics is not None:
            server["networks"] = nics
        elif version != "2.1":
            server["networks"] = "auto"
        for key, wire in (("key_name", "key_name"), ("availability_zone", "availability_zone"),
                          ("config_drive", "config_drive"), ("diskConfig", "OS-DCF:diskConfig"),
                          ("admin_pass", "adminPass")):
            if props.get(key) not in (None, ""):
                server[wire] = props[key]
        if props.get("security_groups"):
            server["security_groups"] = [{"name": g} for g in props["security_groups"]]
        user_data = self._user_data()
        if user_data:
            server["user_data"] = base64.b64encode(user_data.encode()).decode()
        if props.get("metadata"):
            server["metadata"] = dumps_meta(props["metadata"])
        if props.get("block_device_mapping"):
            server["block_device_mapping"] = [
                {k: v for k, v in m.items() if v is not None}
                for m in props["block_device_mapping"]]
        if props.get("block_device_mapping_v2"):
            server["block_device_mapping_v2"] = self._bdm_v2()
        if props.get("personality"):
            server["personality"] = [
                {"path": path, "contents": base64.b64encode(str(text).encode()).decode()}
                for path, text in props["personality"].items()]
        body: dict[str, Any] = {"server": server}
        if props.get("scheduler_hints"):
            body["os:scheduler_hints"] = props["scheduler_hints"]
        made = self.nova.post("/servers", body, microversion=version)["server"]
        self.physical_id = str(made["id"])
        if props.get("user_data_format") == "SOFTWARE_CONFIG":
            # Where the server's software deployments are listed for its agent to apply.
            self.metadata = {"deployments": []}

    def _active(self, what: str = "Server") -> bool:
        """Heat's judgement of a server on its way to ACTIVE."""
        found = self.nova.get(self._path())["server"]
        status = str(found.get("status", "")).split("(")[0]
        if status in DEFERRED:
            return False
        if status == "ACTIVE":
            return True
        if status == "ERROR":
            fault = found.get("fault") or {}
            raise in_error("ERROR", f"Message: {fault.get('message', 'Unknown')}, Code: "
                                    f"{fault.get('code', 'Unknown')}")
        raise unknown_status(f"{what} is not active", str(found.get("status")))

    def check_create_complete(self) -> bool:
        if not self._active():
            return False
        if self.properties.get("tags") and not self.data.get("tagged"):
            self._tags(self.properties["tags"])
            self.data["tagged"] = True
        return True

    def _tags(self, tags: list[str]) -> None:
        self.nova.put(f"{self._path()}/tags", {"tags": list(tags)}, microversion=TAGS_VERSION)

    # -- update -------------------------------------------------------------------------------
    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        old = self.properties
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        for prop, policy in (("flavor", "flavor_update_policy"),
                             ("image", "image_update_policy"),
                             ("user_data", "user_data_update_policy")):
            if prop in changed and (new.get(policy) or old.get(policy)) == "REPLACE":
                raise UpdateReplace()
        # Nics are not attached and detached in place here: a new set is a new server.
        if "networks" in changed or ("image" in changed and not new.get("image")):
            raise UpdateReplace()
        self.validate_properties(new)
        if "metadata" in changed:
            self.nova.put(f"{self._path()}/metadata",
                          {"metadata": dumps_meta(new.get("metadata"))})
        if "tags" in changed:
            self._tags(new.get("tags") or [])
        if "name" in changed:
            self.data["name"] = self.name_or_default(new)
            self.nova.put(self._path(), {"server": {"name": self.data["name"]}})
        steps: list[dict[str, Any]] = []
        if "flavor" in changed:
            flavor = find_flavor_id(self.nova, str(new["flavor"]))
            steps += [{"op": "resize", "flavor": flavor}, {"op": "confirm"}]
        if "user_data" in changed and new.get("user_data_update_policy") == "REBUILD" and \
                new.get("image"):
            steps.append({"op": "rebuild", "body": {
                "imageRef": find_image_id(self.client("image"), str(new.get("image"))),
                "user_data": base64.b64encode(str(new.get("user_data") or "").encode()
                                              ).decode()},
                "version": REBUILD_USER_DATA_VERSION})
        if "image" in changed:
            body: dict[str, Any] = {"imageRef": find_image_id(self.client("image"),
                                                              str(new["image"])),
                                    "metadata": dumps_meta(new.get("metadata"))}
            if new.get("image_update_policy") == "REBUILD_PRESERVE_EPHEMERAL":
                body["preserve_ephemeral"] = True
            if new.get("admin_pass"):
                body["adminPass"] = new["admin_pass"]
            steps.append({"op": "rebuild", "body": body})
        elif "admin_pass" in changed and new.get("admin_pass"):
            self.nova.post(f"{self._path()}/action",
                           {"changePassword": {"adminPass": new["admin_pass"]}})
        plan(self.data, steps)
        self.properties = new

    def _call(self, step: dict[str, Any]) -> None:
        action = f"{self._path()}/action"
        if step["op"] == "resize":
            self.nova.post(action, {"resize": {"flavorRef": step["flavor"]}})
        elif step["op"] == "confirm":
            status = self.nova.get(self._path())["server"].get("status")
            if status != "VERIFY_RESIZE":
                raise unknown_status(f"Could not confirm resize of server {self.physical_id}",
                                     str(status))
            self.nova.post(action, {"confirmResize": None})
        elif step["op"] == "rebuild":
            self.nova.post(action, {"rebuild": step["body"]},
                           microversion=step.get("version"))

    def _done(self, step: dict[str, Any]) -> bool:
        found = self.nova.get(self._path())["server"]
        status, task = found.get("status"), found.get("OS-EXT-STS:task_state") or ""
        if step["op"] == "resize":
            if status in ("RESIZE", "ACTIVE"):
                return False
            if status == "VERIFY_RESIZE":
                return True
            raise failure("Error", f"Resizing to '{step['flavor']}' failed, status '{status}'")
        if step["op"] == "confirm":
            if status == "ACTIVE":
                return True
            if status == "VERIFY_RESIZE" or "resize" in task:
                return False
            raise unknown_status(f"Confirm resize for server {self.physical_id} failed",
                                 str(status))
        if status == "REBUILD" or task.startswith("rebuild"):
            return False
        if status == "ERROR":
            raise failure("Error", f"Rebuilding server failed, status '{status}'")
        return True

    def check_update_complete(self) -> bool:
        return run_steps(self.data, self._call, self._done)

    # -- delete -------------------------------------------------------------------------------
    def _delete_ports(self) -> None:
        neutron = self.client("network") if self.data.get("internal_ports") else None
        for port in list(self.data.get("internal_ports") or []):
            remove(neutron, item("/v2.0/ports", port))
            self.data["internal_ports"].remove(port)

    def delete(self) -> None:
        self.data["_deleted"] = False
        if self.physical_id:
            remove(self.nova, self._path())

    def check_delete_complete(self) -> bool:
        if self.data.get("_deleted"):
            return True
        found = fetch(self.nova, self._path(), "server") if self.physical_id else None
        if found is not None:
            if found.get("OS-EXT-STS:task_state") == "deleting":
                return False
            status = found.get("status")
            if status == "SOFT_DELETED":
                self.nova.post(f"{self._path()}/action", {"forceDelete": None})
            elif status == "ERROR":
                fault = found.get("fault") or {}
                raise in_error("ERROR", f"Server {found.get('name')} delete failed: "
                                        f"({fault.get('code')}) {fault.get('message', 'Unknown')}")
            if status != "DELETED":
                return False
        self._delete_ports()
        self.data["_deleted"] = True
        return True

    # -- suspend, resume, check ---------------------------------------------------------------
    def _status(self, action: str) -> str:
        if not self.physical_id:
            raise failure("Error", f"Cannot {action} {self.rt.resource_name}, resource_id not "
                                   "set")
        found = fetch(self.nova, self._path(), "server")
        if found is None:
            raise failure("NotFound", f"Failed to find server {self.physical_id}")
        return str(found.get("status", "")).split("(")[0]

    def suspend(self) -> None:
        if self._status("suspend") != "SUSPENDED":
            self.nova.post(f"{self._path()}/action", {"suspend": None})

    def check_suspend_complete(self) -> bool:
        status = self._status("suspend")
        if status in DEFERRED | {"ACTIVE"}:
            return status == "SUSPENDED"
        raise unknown_status(f"Suspend of server {self.data.get('name')} failed", status)

    def resume(self) -> None:
        if self._status("resume") != "ACTIVE":
            self.nova.post(f"{self._path()}/action", {"resume": None})

    def check_resume_complete(self) -> bool:
        return self._active()

    def check(self) -> None:
        if self.physical_id:
            status = self.nova.get(self._path())["server"].get("status")
            if status != "ACTIVE":
                raise failure("Error", f"'status': expected 'ACTIVE', got '{status}'")

    # -- attributes ---------------------------------------------------------------------------
    def show(self) -> Any:
        return fetch(self.nova, self._path(), "server") if self.physical_id else None

    def _with_ids(self, nets: dict[str, Any]) -> dict[str, Any]:
        """Each network's entry under its ID too, as Heat gives them."""
        found = dict(nets)
        neutron = self.client("network")
        for label in list(nets):
            try:
                found[find_id(neutron, "network", label)] = nets[label]
            except (ResourceFailure, errors.NimbusError):
                continue
        return found

    def _addresses(self) -> dict[str, Any]:
        neutron = self.client("network")
        nets: dict[str, list[dict[str, Any]]] = {}
        ids: dict[str, str] = {}
        ports = (neutron.get(query("/v2.0/ports", device_id=self.physical_id)) or {}).get(
            "ports") or []
        for port in ports:
            network = fetch(neutron, item("/v2.0/networks", port["network_id"]), "network")
            label = str(network["name"]) if network else str(port["network_id"])
            ids[label] = str(port["network_id"])
            entries = nets.setdefault(label, [])
            subnets = [fetch(neutron, item("/v2.0/subnets", f["subnet_id"]), "subnet")
                       for f in port.get("fixed_ips") or [] if f.get("subnet_id")]
            for fixed in port.get("fixed_ips") or []:
                address = fixed.get("ip_address")
                try:
                    version: int | None = ipaddress.ip_address(address).version
                except ValueError:
                    version = None
                fips = (neutron.get(query("/v2.0/floatingips", fixed_ip_address=address)) or {}
                        ).get("floatingips") or []
                for fip in fips:
                    entries.append({"addr": fip["floating_ip_address"], "version": version,
                                    "OS-EXT-IPS-MAC:mac_addr": port.get("mac_address"),
                                    "OS-EXT-IPS:type": "floating", "port": None})
                entries.append({"addr": address, "version": version,
                                "OS-EXT-IPS-MAC:mac_addr": port.get("mac_address"),
                                "OS-EXT-IPS:type": "fixed", "port": port["id"],
                                "subnets": [s for s in subnets if s], "network": network})
        return {**nets, **{ids[label]: nets[label] for label in nets}}

    def _consoles(self) -> dict[str, str]:
        found = {}
        for kind, protocol in CONSOLES.items():
            try:
                reply = self.nova.post(f"{self._path()}/remote-consoles", {"remote_console": {
                    "protocol": protocol, "type": kind}}, microversion=CONSOLE_VERSION)
                found[kind] = str(reply["remote_console"]["url"])
            except errors.NimbusError as exc:
                found[kind] = f"Cannot get console url: {exc.message}"
        return found

    def attribute(self, name: str) -> Any:
        if name == "show":
            return self.show()
        if not self.physical_id:
            return None
        if name == "name":
            return self.data.get("name") or self.name_or_default()
        if name == "os_collect_config":
            return (self.metadata or {}).get("os-collect-config", {})
        server = self.show()
        if server is None:
            return ""
        labels = {k: [a.get("addr") for a in v] for k, v in (server.get("addresses") or {}).items()}
        if name == "first_address":
            for label in sorted(labels, reverse=True):
                if labels[label]:
                    return labels[label][0]
            return ""
        if name == "networks":
            return self._with_ids(labels)
        if name == "addresses":
            return self._addresses()
        if name == "instance_name":
            return server.get("OS-EXT-SRV-ATTR:instance_name")
        if name in ("accessIPv4", "accessIPv6"):
            return server.get(name)
        if name == "console_urls":
            return self._consoles()
        if name == "tags":
            reply = self.nova.get(f"{self._path()}/tags", microversion=TAGS_VERSION)
            return (reply or {}).get("tags")
        return None


TYPES: tuple[type[Resource], ...] = (Server,)
