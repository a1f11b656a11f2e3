"""In-memory stand-ins for the image, network, volume and placement clients compute uses."""

from __future__ import annotations

import copy
import itertools
import threading
import uuid
from typing import Any

from nimbus.core.errors import (
    BadRequest,
    Conflict,
    ConsumerGenerationConflict,
    Forbidden,
    NotFound,
)
from tests.support.personas import ADMIN_PROJECT, PROJECT
from tests.unit.image import crafted

IMAGE_ID = "11111111-1111-4111-8111-111111111111"
NETWORK_ID = "22222222-2222-4222-8222-222222222222"
SUBNET_ID = "33333333-3333-4333-8333-333333333333"


class FakeImage:
    """Image records and their bytes; ``read_range`` answers as the image API's Range support."""

    def __init__(self) -> None:
        self.images: dict[str, dict[str, Any]] = {}
        self.data: dict[str, bytes] = {}
        self.reads: list[tuple[str, int | None, int | None]] = []
        self.add(IMAGE_ID, crafted.qcow2(1024 * 1024), "qcow2", name="cirros",
                 visibility="public", owner="x")

    def add(self, image_id: str, data: bytes, disk_format: str, **fields: Any) -> str:
        self.images[image_id] = {"id": image_id, "name": "img", "status": "active",
                                 "visibility": "public", "owner": PROJECT, "min_disk": 0,
                                 "min_ram": 0, "size": len(data), "disk_format": disk_format,
                                 "container_format": "bare", **fields}
        self.data[image_id] = data
        return image_id

    def get_image(self, image_id: str) -> dict[str, Any]:
        if image_id not in self.images:
            raise NotFound(f"No image found with ID {image_id}")
        return copy.deepcopy(self.images[image_id])

    def create_image(self, body: dict[str, Any]) -> dict[str, Any]:
        image_id = str(body.get("id") or uuid.uuid4())
        if image_id in self.images:
            raise Conflict(f"Image with identifier {image_id} already exists!")
        self.images[image_id] = {"status": "queued", "size": None, **body, "id": image_id}
        return copy.deepcopy(self.images[image_id])

    def acting_for(self, token: str | None, project_id: str | None) -> _CallerImages:
        assert token, "images are looked up with the caller's token"
        return _CallerImages(self, str(project_id))

    def update_image(self, image_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.get_image(image_id)
        self.images[image_id].update(changes)
        return self.get_image(image_id)

    def list_images(self, **filters: Any) -> list[dict[str, Any]]:
        found = [copy.deepcopy(i) for i in self.images.values()
                 if all(i.get(k) == v for k, v in filters.items())]
        return list(reversed(found))    # newest first, as the image API sorts them here

    def delete_image(self, image_id: str) -> None:
        self.get_image(image_id)
        del self.images[image_id]
        self.data.pop(image_id, None)

    def upload(self, image_id: str, chunks: Any) -> None:
        image = self.images.get(image_id)
        if image is None:
            raise NotFound(f"No image found with ID {image_id}")
        data = b"".join(chunks)
        self.data[image_id] = data
        image.update(status="active", size=len(data))

    def read_range(self, image_id: str, first: int | None, last: int | None) -> bytes:
        self.reads.append((image_id, first, last))
        data = self.data[self.get_image(image_id)["id"]]
        if first is None:
            return data[-(last or 0):]
        return data[first:None if last is None else last + 1]


class _CallerImages:
    """The image API as one project sees it: public and community images, its own, and
    shared ones it is a member of (an admin sees them all)."""

    def __init__(self, inner: FakeImage, project_id: str) -> None:
        self.inner = inner
        self.project_id = project_id

    def get_image(self, image_id: str) -> dict[str, Any]:
        image = self.inner.get_image(image_id)
        visible = (self.project_id == ADMIN_PROJECT or image.get("owner") == self.project_id
                   or image.get("visibility") in ("public", "community")
                   or self.project_id in image.get("members", ()))
        if not visible:
            raise NotFound(f"No image found with ID {image_id}")
        return image


def _matches(item: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Neutron's list filters: a list of values matches any of them."""
    return all(item.get(k) in v if isinstance(v, list) else item.get(k) == v
               for k, v in filters.items())


class FakeNetwork:
    def __init__(self) -> None:
        self.networks: dict[str, dict[str, Any]] = {
            NETWORK_ID: {"id": NETWORK_ID, "name": "private", "project_id": PROJECT,
                         "shared": True, "router:external": False},
        }
        self.security_groups: dict[str, dict[str, Any]] = {}
        self.ports: dict[str, dict[str, Any]] = {}
        self.floatingips: dict[str, dict[str, Any]] = {}
        self._ips = itertools.count(10)
        self.lock = threading.Lock()

    def get_network(self, network_id: str) -> dict[str, Any]:
        if network_id not in self.networks:
            raise NotFound(f"Network {network_id} could not be found.")
        return dict(self.networks[network_id])

    def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        def match(net: dict[str, Any]) -> bool:
            return all(net.get(k) == v for k, v in filters.items())

        return [dict(n) for n in self.networks.values() if match(n)]

    def auto_allocated_topology(self, project_id: str) -> dict[str, Any]:
        """The project's own network, made the first time (Neutron's get me a network)."""
        with self.lock:
            net_id = f"auto-{project_id}"
            self.networks.setdefault(net_id, {
                "id": net_id, "name": "auto_allocated_network", "project_id": project_id,
                "shared": False, "router:external": False})
        return {"id": net_id, "project_id": project_id}

    def get_port(self, port_id: str) -> dict[str, Any]:
        if port_id not in self.ports:
            raise NotFound(f"Port {port_id} could not be found.")
        return dict(self.ports[port_id])

    def create_port(self, port: dict[str, Any]) -> dict[str, Any]:
        if port["network_id"] not in self.networks:
            raise NotFound(f"Network {port['network_id']} could not be found.")
        with self.lock:
            n = next(self._ips)
        ident = str(uuid.uuid4())
        record = dict(port, id=ident, mac_address=f"fa:16:3e:00:00:{n:02x}", status="ACTIVE",
                      fixed_ips=[{"subnet_id": SUBNET_ID, "ip_address": f"10.0.0.{n}"}])
        if port.get("fixed_ips"):
            record["fixed_ips"] = [{"subnet_id": SUBNET_ID, **ip} for ip in port["fixed_ips"]]
        self.ports[ident] = record
        return dict(record)

    def update_port(self, port_id: str, port: dict[str, Any]) -> dict[str, Any]:
        if port_id not in self.ports:
            raise NotFound(f"Port {port_id} could not be found.")
        self.ports[port_id].update(port)
        return dict(self.ports[port_id])

    def delete_port(self, port_id: str) -> None:
        self.ports.pop(port_id, None)

    # binding-extended, as a live migration uses it: inactive bindings kept per port.
    def create_port_binding(self, port_id: str, host: str,
                            profile: dict[str, Any] | None = None) -> dict[str, Any]:
        port = self.get_port(port_id)
        bindings = self.ports[port_id].setdefault("_bindings", {})
        if host in bindings or port.get("binding:host_id") == host:
            raise Conflict(f"Binding for port {port_id} on host {host} already exists.")
        bindings[host] = {"host": host, "vif_type": "ovs", "vif_details": {},
                          "status": "INACTIVE"}
        return dict(bindings[host])

    def activate_port_binding(self, port_id: str, host: str) -> dict[str, Any]:
        port = self.ports[port_id]
        binding = port.setdefault("_bindings", {}).pop(host, None)
        if binding is None:
            raise NotFound(f"Binding for port {port_id} for host {host} could not be found.")
        if port.get("binding:host_id"):
            port["_bindings"][port["binding:host_id"]] = {"host": port["binding:host_id"],
                                                          "status": "INACTIVE"}
        port["binding:host_id"] = host
        return dict(binding, status="ACTIVE")

    def delete_port_binding(self, port_id: str, host: str) -> None:
        self.ports.get(port_id, {}).get("_bindings", {}).pop(host, None)

    def list_ports(self, **filters: Any) -> list[dict[str, Any]]:
        return [dict(p) for p in self.ports.values() if _matches(p, filters)]

    def list_floatingips(self, **filters: Any) -> list[dict[str, Any]]:
        return [dict(f) for f in self.floatingips.values() if _matches(f, filters)]

    def delete_floatingip(self, fip_id: str) -> None:
        self.floatingips.pop(fip_id, None)

    def add_floatingip(self, port_id: str, address: str) -> str:
        ident = str(uuid.uuid4())
        self.floatingips[ident] = {"id": ident, "port_id": port_id,
                                   "floating_ip_address": address}
        return ident

    def list_security_groups(self, **filters: Any) -> list[dict[str, Any]]:
        return [dict(g) for g in self.security_groups.values()
                if all(g.get(k) == v for k, v in filters.items())]

    def add_security_group(self, name: str, project_id: str = PROJECT) -> str:
        ident = str(uuid.uuid4())
        self.security_groups[ident] = {"id": ident, "name": name, "project_id": project_id}
        return ident

    def acting_for(self, token: str | None, project_id: str | None) -> _CallerNetwork:
        assert token, "networks are looked up with the caller's token"
        return _CallerNetwork(self, str(project_id))


class _CallerNetwork:
    """The network API as one project sees it: shared networks and its own resources (an
    admin sees them all)."""

    def __init__(self, inner: FakeNetwork, project_id: str) -> None:
        self.inner = inner
        self.project_id = project_id

    def _sees(self, item: dict[str, Any]) -> bool:
        return (self.project_id == ADMIN_PROJECT or item.get("shared") is True
                or item.get("project_id") == self.project_id)

    def get_network(self, network_id: str) -> dict[str, Any]:
        network = self.inner.get_network(network_id)
        if not self._sees(network):
            raise NotFound(f"Network {network_id} could not be found.")
        return network

    def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        return [n for n in self.inner.list_networks(**filters) if self._sees(n)]

    def auto_allocated_topology(self, project_id: str) -> dict[str, Any]:
        if project_id != self.project_id and self.project_id != ADMIN_PROJECT:
            raise Forbidden("another project's topology")
        return self.inner.auto_allocated_topology(project_id)

    def get_port(self, port_id: str) -> dict[str, Any]:
        port = self.inner.get_port(port_id)
        if not self._sees(port):
            raise NotFound(f"Port {port_id} could not be found.")
        return port

    def list_security_groups(self, **filters: Any) -> list[dict[str, Any]]:
        return [g for g in self.inner.list_security_groups(**filters) if self._sees(g)]


class FakeVolume:
    def __init__(self) -> None:
        self.volumes: dict[str, dict[str, Any]] = {}
        self.attachments: dict[str, dict[str, Any]] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def add(self, project_id: str = PROJECT, status: str = "available") -> str:
        ident = str(uuid.uuid4())
        self.volumes[ident] = {"id": ident, "status": status, "multiattach": False,
                               "os-vol-tenant-attr:tenant_id": project_id}
        return ident

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        if volume_id not in self.volumes:
            raise NotFound(f"Volume {volume_id} could not be found.")
        return dict(self.volumes[volume_id])

    def create_attachment(self, volume_id: str, instance_uuid: str,
                          connector: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append("create")
        ident = str(uuid.uuid4())
        self.attachments[ident] = {"id": ident, "volume_id": volume_id,
                                   "instance": instance_uuid, "status": "reserved"}
        self.volumes[volume_id]["status"] = "reserved"
        return dict(self.attachments[ident])

    def update_attachment(self, attachment_id: str, connector: dict[str, Any],
                          mountpoint: str | None = None) -> dict[str, Any]:
        self.calls.append("update")
        if "host" not in connector:
            raise BadRequest("connector has no host")
        att = self.attachments[attachment_id]
        att.update(status="attaching", connector=connector, mountpoint=mountpoint,
                   connection_info={"driver_volume_type": "fake",
                                    "data": {"volume_id": att["volume_id"]}})
        self.volumes[att["volume_id"]]["status"] = "attaching"
        return dict(att)

    def complete_attachment(self, attachment_id: str) -> None:
        self.calls.append("complete")
        att = self.attachments[attachment_id]
        att["status"] = "attached"
        self.volumes[att["volume_id"]]["status"] = "in-use"

    def delete_attachment(self, attachment_id: str) -> None:
        self.calls.append("delete")
        att = self.attachments.pop(attachment_id, None)
        if att is not None:
            others = [a for a in self.attachments.values() if a["volume_id"] == att["volume_id"]]
            self.volumes[att["volume_id"]]["status"] = "in-use" if others else "available"

    def get_attachment(self, attachment_id: str) -> dict[str, Any]:
        return dict(self.attachments[attachment_id])

    def complete_extend(self, volume_id: str, error: bool) -> None:
        """Cinder's os-extend_volume_completion."""
        self.calls.append(f"complete-extend:{error}")
        volume = self.volumes[volume_id]
        if not error:
            volume["size"] = volume["metadata"].pop("extend_new_size")
        volume["status"] = "error_extending" if error else "in-use"

    def volume_action(self, volume_id: str, action: str, args: Any = None) -> None:
        """Cinder's os-begin_detaching and os-roll_detaching."""
        self.calls.append(action)
        volume = self.volumes[volume_id]
        if action == "os-begin_detaching":
            if volume["status"] != "in-use":
                raise BadRequest(f"Invalid volume: volume {volume_id} is {volume['status']}")
            volume["status"] = "detaching"
        elif action == "os-roll_detaching" and volume["status"] == "detaching":
            volume["status"] = "in-use"

    # -- what servers booted from volumes need ----------------------------------------------
    def acting_for(self, token: str | None, project_id: str | None) -> FakeVolume:
        assert token, "volumes made for a user need the user's token"
        self.calls.append("as-user")
        return self

    def create_volume(self, spec: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("create-volume")
        if spec.get("snapshot_id") and spec["snapshot_id"] not in self.snapshots:
            raise NotFound(f"Snapshot {spec['snapshot_id']} could not be found.")
        ident = self.add()
        self.volumes[ident].update(size=spec.get("size") or 1, source=dict(spec))
        return dict(self.volumes[ident])

    def delete_volume(self, volume_id: str) -> None:
        self.calls.append("delete-volume")
        self.volumes.pop(volume_id, None)

    def create_snapshot(self, volume_id: str, name: str, force: bool = False) -> dict[str, Any]:
        assert force or self.volumes[volume_id]["status"] == "available"
        ident = str(uuid.uuid4())
        self.snapshots[ident] = {"id": ident, "volume_id": volume_id, "name": name,
                                 "size": self.volumes[volume_id].get("size", 1)}
        return dict(self.snapshots[ident])

    def delete_snapshot(self, snapshot_id: str) -> None:
        self.snapshots.pop(snapshot_id, None)


class FakePlacement:
    def __init__(self) -> None:
        self.providers: dict[str, dict[str, Any]] = {}
        self.allocations: dict[str, dict[str, Any]] = {}
        # Each consumer's generation, as Placement keeps it (1.28+).
        self.generations: dict[str, int] = {}
        self.lock = threading.Lock()

    def find_provider(self, name: str) -> dict[str, Any] | None:
        for rp in self.providers.values():
            if rp["name"] == name:
                return {"uuid": rp["uuid"], "name": name, "generation": rp["generation"]}
        return None

    def list_providers(self) -> list[dict[str, Any]]:
        return [{"uuid": rp["uuid"], "name": rp["name"], "generation": rp["generation"]}
                for rp in self.providers.values()]

    def create_provider(self, name: str, uuid_: str | None = None) -> dict[str, Any]:
        ident = str(uuid.uuid4())
        self.providers[ident] = {"uuid": ident, "name": name, "generation": 0,
                                 "inventories": {}}
        return {"uuid": ident, "name": name, "generation": 0}

    def set_inventories(self, rp_uuid: str, generation: int,
                        inventories: dict[str, dict[str, Any]]) -> dict[str, Any]:
        rp = self.providers[rp_uuid]
        if rp["generation"] != generation:
            raise Conflict("generation mismatch")
        rp["inventories"] = inventories
        rp["generation"] += 1
        return {"resource_provider_generation": rp["generation"], "inventories": inventories}

    def _used(self, rp_uuid: str, skip: str | None = None) -> dict[str, int]:
        used: dict[str, int] = {}
        for consumer, alloc in self.allocations.items():
            if consumer == skip:
                continue
            for rc, amount in alloc.get(rp_uuid, {}).get("resources", {}).items():
                used[rc] = used.get(rc, 0) + amount
        return used

    def allocation_candidates(self, resources: dict[str, int],
                              limit: int | None = None) -> dict[str, Any]:
        wanted = {rc: a for rc, a in resources.items() if a > 0}
        requests, summaries = [], {}
        for rp_uuid, rp in self.providers.items():
            used = self._used(rp_uuid)
            inv = rp["inventories"]
            fits = all(rc in inv and inv[rc]["total"] - inv[rc].get("reserved", 0)
                       - used.get(rc, 0) >= amount for rc, amount in wanted.items())
            if not fits:
                continue
            requests.append({"allocations": {rp_uuid: {"resources": dict(wanted)}}})
            summaries[rp_uuid] = {"resources": {
                rc: {"capacity": inv[rc]["total"], "used": used.get(rc, 0)} for rc in inv}}
        return {"allocation_requests": requests, "provider_summaries": summaries}

    def provider_summaries(self, resources: dict[str, int]) -> dict[str, Any]:
        return dict(self.allocation_candidates(resources)["provider_summaries"])

    def claim(self, consumer: str, allocations: dict[str, Any], project_id: str,
              user_id: str) -> None:
        with self.lock:
            self.allocations[consumer] = copy.deepcopy(allocations)
            self.generations[consumer] = self.generations.get(consumer, 0) + 1

    def consumer_generation(self, consumer: str) -> int | None:
        return self.generations.get(consumer) if consumer in self.allocations else None

    def replace_allocations(self, consumer: str, allocations: dict[str, Any], project_id: str,
                            user_id: str, generation: int | None) -> None:
        """Placement's PUT at 1.28: the consumer's generation must be the one given (None: a
        consumer that holds nothing yet), and every provider must have the room."""
        self._write(consumer, allocations, generation)

    def _write(self, consumer: str, allocations: dict[str, Any], generation: int | None) -> None:
        with self.lock:
            have = self.consumer_generation(consumer)
            if generation != have:
                raise ConsumerGenerationConflict(reason=f"expected {have} but got {generation}")
            for rp_uuid, alloc in allocations.items():
                inv = (self.providers.get(rp_uuid) or {}).get("inventories") or {}
                used = self._used(rp_uuid, skip=consumer)
                for rc, amount in alloc["resources"].items():
                    if rc not in inv or (inv[rc]["total"] - inv[rc].get("reserved", 0)
                                         - used.get(rc, 0)) < amount:
                        raise Conflict(f"Unable to allocate inventory for {rc} on {rp_uuid}")
            self.allocations[consumer] = copy.deepcopy(allocations)
            self.generations[consumer] = (have or 0) + 1

    def claim_new(self, claims: dict[str, dict[str, Any]]) -> None:
        """Placement's POST at 1.28 for new consumers: all written, or none."""
        with self.lock:
            before = (copy.deepcopy(self.allocations), dict(self.generations))
        try:
            for consumer, claim in claims.items():
                self._write(consumer, claim["allocations"], None)
        except Conflict:
            with self.lock:
                self.allocations.clear()
                self.allocations.update(before[0])
                self.generations.clear()
                self.generations.update(before[1])
            raise

    def delete_allocations(self, consumer: str) -> None:
        self.allocations.pop(consumer, None)
        self.generations.pop(consumer, None)

    # -- what operators' APIs read and write: inventories, usages, provider aggregates --------
    def get_inventories(self, rp_uuid: str) -> dict[str, Any]:
        rp = self.providers.get(rp_uuid)
        if rp is None:
            raise NotFound(f"No resource provider with uuid {rp_uuid} found")
        return {"inventories": copy.deepcopy(rp["inventories"]),
                "resource_provider_generation": rp["generation"]}

    def get_usages(self, rp_uuid: str) -> dict[str, int]:
        if rp_uuid not in self.providers:
            raise NotFound(f"No resource provider with uuid {rp_uuid} found")
        return self._used(rp_uuid)

    def get_aggregates(self, rp_uuid: str) -> tuple[list[str], int]:
        rp = self.providers.get(rp_uuid)
        if rp is None:
            raise NotFound(f"No resource provider with uuid {rp_uuid} found")
        return list(rp.get("aggregates", [])), rp["generation"]

    def set_aggregates(self, rp_uuid: str, aggregates: list[str], generation: int) -> None:
        rp = self.providers[rp_uuid]
        if rp["generation"] != generation:
            raise Conflict("generation mismatch")
        rp["aggregates"] = list(aggregates)
        rp["generation"] += 1

    def delete_provider(self, rp_uuid: str) -> None:
        if any(rp_uuid in alloc for alloc in self.allocations.values()):
            raise Conflict(f"Unable to delete resource provider {rp_uuid}: it has allocations")
        self.providers.pop(rp_uuid, None)


class FakeClients:
    def __init__(self) -> None:
        self.image = FakeImage()
        self.network = FakeNetwork()
        self.volume = FakeVolume()
        self.placement = FakePlacement()
