"""Placement's test fixtures, by the names its gabbi files use, built through the API.

Placement's own fixtures write straight into its database; these build the same providers,
inventories, traits, aggregates and allocations through the cloud's API instead, after emptying
placement, so that each file starts from nothing as it does upstream. ``run_placement_gabbits``
hands this module to gabbi as the fixture module.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

# Every placement rule: what OpenPolicyFixture opens for a file.
POLICY_RULES = [
    "resource_providers:list", "resource_providers:create", "resource_providers:show",
    "resource_providers:update", "resource_providers:delete",
    "resource_providers:inventories:list", "resource_providers:inventories:create",
    "resource_providers:inventories:show", "resource_providers:inventories:update",
    "resource_providers:inventories:delete",
    "resource_providers:aggregates:list", "resource_providers:aggregates:update",
    "resource_providers:usages", "resource_providers:allocations:list",
    "resource_providers:traits:list", "resource_providers:traits:update",
    "resource_providers:traits:delete",
    "resource_classes:list", "resource_classes:create", "resource_classes:show",
    "resource_classes:update", "resource_classes:delete",
    "traits:list", "traits:show", "traits:update", "traits:delete",
    "allocations:list", "allocations:manage", "allocations:update", "allocations:delete",
    "allocation_candidates:list", "usages", "reshaper:reshape",
]


class Api:
    """A small JSON client for the cloud under test."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: Any = None, version: str = "latest",
             token: str | None = None, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        url = self.base + path
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "X-Auth-Token": token or self.token,
                   "OpenStack-API-Version": f"placement {version}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                status, reply_headers = resp.status, resp.headers
        except urllib.error.HTTPError as exc:
            raw, status, reply_headers = exc.read(), exc.code, exc.headers
        if status not in ok:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300]!r}")
        if path.endswith("/auth/tokens") and method == "POST":
            return reply_headers["X-Subject-Token"], json.loads(raw)
        return json.loads(raw) if raw else None



# -- fixtures: Placement's, by name, built through the API -----------------------------------

STANDARD_PREFIXES = ("CUSTOM_",)


class Seeder:
    """Builds providers, inventories, traits, aggregates and allocations through the API."""

    def __init__(self) -> None:
        self.api = Api("")
        self.policy_file = Path()

    def generation(self, rp: str) -> int:
        return int(self.api.call("GET", f"/resource_providers/{rp}")["generation"])

    def provider(self, name: str, *aggs: str, parent: str | None = None,
                 rp_uuid: str | None = None) -> str:
        rp_uuid = rp_uuid or str(uuid.uuid4())
        body: dict[str, Any] = {"name": name, "uuid": rp_uuid}
        if parent:
            body["parent_provider_uuid"] = parent
        self.api.call("POST", "/resource_providers", body, version="1.20")
        if aggs:
            self.aggregates(rp_uuid, *aggs)
        return rp_uuid

    def aggregates(self, rp: str, *aggs: str) -> None:
        self.api.call("PUT", f"/resource_providers/{rp}/aggregates", {
            "aggregates": list(aggs), "resource_provider_generation": self.generation(rp)},
            version="1.19")

    def inventory(self, rp: str, rc: str, total: int, **fields: Any) -> None:
        """As Placement's fixtures add it: max_unit is the total unless given."""
        if rc.startswith("CUSTOM_"):
            self.api.call("PUT", f"/resource_classes/{rc}", version="1.7")
        fields.setdefault("max_unit", total)
        self.api.call("POST", f"/resource_providers/{rp}/inventories", {
            "resource_class": rc, "total": total,
            "resource_provider_generation": self.generation(rp), **fields})

    def traits(self, rp: str, *names: str) -> None:
        for name in names:
            if name.startswith("CUSTOM_"):
                self.api.call("PUT", f"/traits/{name}")
        self.api.call("PUT", f"/resource_providers/{rp}/traits", {
            "traits": list(names), "resource_provider_generation": self.generation(rp)})

    def allocate(self, rp: str, consumer: str, resources: dict[str, int], project: str,
                 user: str) -> None:
        """Replace what ``consumer`` holds with ``resources`` of ``rp`` (no consumer type)."""
        current = self.api.call("GET", f"/allocations/{consumer}", version="1.28")
        self.api.call("PUT", f"/allocations/{consumer}", {
            "allocations": {rp: {"resources": resources}}, "project_id": project,
            "user_id": user, "consumer_generation": current.get("consumer_generation")},
            version="1.28")

    def wipe(self) -> None:
        """Empty placement: allocations, providers (leaves first), custom classes and traits."""
        providers = self.api.call("GET", "/resource_providers")["resource_providers"]
        for rp in providers:
            held = self.api.call("GET", f"/resource_providers/{rp['uuid']}/allocations")
            for consumer in held["allocations"]:
                self.api.call("DELETE", f"/allocations/{consumer}", ok=(204, 404))
        parents = {rp["uuid"]: rp["parent_provider_uuid"] for rp in providers}

        def depth(rp: str) -> int:
            return 0 if not parents.get(rp) else 1 + depth(parents[rp])

        for rp in sorted(parents, key=depth, reverse=True):
            self.api.call("DELETE", f"/resource_providers/{rp}")
        for rc in self.api.call("GET", "/resource_classes")["resource_classes"]:
            if rc["name"].startswith("CUSTOM_"):
                self.api.call("DELETE", f"/resource_classes/{rc['name']}")
        for trait in self.api.call("GET", "/traits?name=startswith:CUSTOM_")["traits"]:
            self.api.call("DELETE", f"/traits/{trait}")

    def open_policy(self, rules: list[str]) -> None:
        opened = {f"placement:{rule}": "@" for rule in rules}
        opened.update({"service_api": "@", "admin_or_service_api": "@", "project_scope_api": "@"})
        self.policy_file.write_text(json.dumps(opened) + "\n")

    def default_policy(self) -> None:
        self.policy_file.write_text("{}\n")

    def legacy_policy(self) -> None:
        """No scope check, and each rule also passes the deprecated ``role:admin``."""
        self.policy_file.write_text(json.dumps({
            "project_scope_api": "@",
            "placement:reshaper:reshape": "rule:service_api or role:admin"}) + "\n")


SEED = Seeder()


def _new() -> str:
    return str(uuid.uuid4())


class APIFixture:
    """An empty placement and the names Placement's tests read from the environment.

    Like upstream's, it runs Placement's deprecated policy defaults (``enforce_scope`` and
    ``enforce_new_defaults`` off); only ``SecureRBACPolicyFixture`` runs the current ones.
    """

    secure_rbac = False

    def __enter__(self) -> None:
        self.start_fixture()

    def __exit__(self, *exc: Any) -> None:
        self.stop_fixture()

    def start_fixture(self) -> None:
        if self.secure_rbac:
            SEED.default_policy()
        else:
            SEED.legacy_policy()
        SEED.wipe()
        for var in ("RP_UUID", "RP_NAME", "RP_UUID1", "RP_NAME1", "RP_UUID2", "RP_NAME2",
                    "USER_ID", "USER_ID_ALT", "INSTANCE_UUID", "MIGRATION_UUID",
                    "CONSUMER_UUID", "PARENT_PROVIDER_UUID", "ALT_PARENT_PROVIDER_UUID"):
            os.environ[var] = _new()
        os.environ["CUSTOM_RES_CLASS"] = "CUSTOM_IRON_NFV"
        os.environ["CUSTOM_RES_CLASS1"] = "CUSTOM_IRON_NFV1"
        os.environ["CUSTOM_RES_CLASS2"] = "CUSTOM_IRON_NFV2"

    def stop_fixture(self) -> None:
        pass


class AllocationFixture(APIFixture):
    """One provider (VCPU 10, DISK_GB 2048) and three consumers of two users."""

    def start_fixture(self) -> None:
        super().start_fixture()
        os.environ["ALT_USER_ID"] = _new()
        project, user, alt_user = (os.environ["PROJECT_ID"], os.environ["USER_ID"],
                                   os.environ["ALT_USER_ID"])
        rp = SEED.provider(os.environ["RP_NAME"], rp_uuid=os.environ["RP_UUID"])
        SEED.inventory(rp, "DISK_GB", 2048, step_size=10, min_unit=10, max_unit=1000)
        SEED.inventory(rp, "VCPU", 10, max_unit=10)
        os.environ["CONSUMER_0"] = _new()
        SEED.allocate(rp, os.environ["CONSUMER_0"], {"DISK_GB": 1000}, project, user)
        os.environ["CONSUMER_ID"] = _new()
        SEED.allocate(rp, os.environ["CONSUMER_ID"], {"VCPU": 6}, project, user)
        os.environ["ALT_CONSUMER_ID"] = _new()
        SEED.allocate(rp, os.environ["ALT_CONSUMER_ID"], {"DISK_GB": 20, "VCPU": 1}, project,
                      alt_user)
        os.environ["ALT_RP_UUID"] = _new()
        os.environ["ALT_RP_NAME"] = _new()


class SharedStorageFixture(APIFixture):
    """Two compute nodes with NUMA and PF children, two sharing storage providers."""

    def start_fixture(self) -> None:
        super().start_fixture()
        agg = os.environ["AGG_UUID"] = _new()
        made = {name: SEED.provider(name, agg) for name in ("cn1", "cn2", "ss", "ss2")}
        for cn, numa in (("cn1", "numa1_1"), ("cn1", "numa1_2"), ("cn2", "numa2_1"),
                         ("cn2", "numa2_2")):
            made[numa] = SEED.provider(numa, parent=made[cn])
            pf = "pf" + numa[4:]
            made[pf] = SEED.provider(pf, parent=made[numa])
        for name, rp in made.items():
            os.environ[f"{name.upper()}_UUID"] = rp
        for cn in ("cn1", "cn2"):
            SEED.inventory(made[cn], "VCPU", 24, allocation_ratio=16.0)
            SEED.inventory(made[cn], "MEMORY_MB", 128 * 1024, allocation_ratio=1.5)
        SEED.traits(made["cn1"], "HW_CPU_X86_SSE", "HW_CPU_X86_SSE2")
        SEED.inventory(made["cn2"], "DISK_GB", 2000, reserved=100, allocation_ratio=1.0)
        for shared in ("ss", "ss2"):
            SEED.inventory(made[shared], "DISK_GB", 2000, reserved=100, allocation_ratio=1.0)
            SEED.traits(made[shared], "MISC_SHARES_VIA_AGGREGATE")
        for pf in ("pf1_1", "pf1_2", "pf2_1", "pf2_2"):
            SEED.inventory(made[pf], "SRIOV_NET_VF", 8, allocation_ratio=1.0)


class NUMAAggregateFixture(APIFixture):
    """Two resourceless compute nodes with NUMA children, sharing storage by aggregate."""

    def start_fixture(self) -> None:
        super().start_fixture()
        agg_a, agg_b, agg_c = _new(), _new(), _new()
        os.environ.update(AGGA_UUID=agg_a, AGGB_UUID=agg_b, AGGC_UUID=agg_c)
        made = {"cn1": SEED.provider("cn1", agg_a), "cn2": SEED.provider("cn2", agg_a, agg_b),
                "ss1": SEED.provider("ss1", agg_a), "ss2": SEED.provider("ss2", agg_c)}
        made["numa1_1"] = SEED.provider("numa1_1", agg_c, parent=made["cn1"])
        made["numa1_2"] = SEED.provider("numa1_2", parent=made["cn1"])
        made["numa2_1"] = SEED.provider("numa2_1", parent=made["cn2"])
        made["numa2_2"] = SEED.provider("numa2_2", parent=made["cn2"])
        for name, rp in made.items():
            os.environ[f"{name.upper()}_UUID"] = rp
        for numa in ("numa1_1", "numa1_2", "numa2_1", "numa2_2"):
            SEED.inventory(made[numa], "VCPU", 24, allocation_ratio=16.0)
        for ss in ("ss1", "ss2"):
            SEED.inventory(made[ss], "DISK_GB", 2000, reserved=100, allocation_ratio=1.0)
            SEED.traits(made[ss], "MISC_SHARES_VIA_AGGREGATE")


class NUMANetworkFixture(APIFixture):
    """Compute trees with NUMA nodes, devices, network agents and NICs (see Placement's)."""

    cn1: str | None = None
    cn2: str | None = None

    def start_fixture(self) -> None:
        super().start_fixture()
        self.make_entities()

    def make_entities(self) -> None:
        env = os.environ
        agg_a = env["AGGA_UUID"] = _new()
        ss1 = env["SS1_UUID"] = SEED.provider("ss1", agg_a)
        SEED.traits(ss1, "MISC_SHARES_VIA_AGGREGATE")
        SEED.inventory(ss1, "DISK_GB", 2000)
        cn1 = self.cn1 or SEED.provider("cn1", agg_a)
        SEED.aggregates(cn1, agg_a)
        SEED.traits(cn1, "COMPUTE_VOLUME_MULTI_ATTACH")
        env["CN1_UUID"] = cn1
        numas = []
        for i in (0, 1):
            numa = SEED.provider(f"numa{i}", parent=cn1)
            SEED.traits(numa, "HW_NUMA_ROOT", *(["CUSTOM_FOO"] if i == 1 else []))
            SEED.inventory(numa, "VCPU", 4)
            numas.append(numa)
            env[f"NUMA{i}_UUID"] = numa
        SEED.inventory(numas[0], "MEMORY_MB", 2048, min_unit=512, step_size=256)
        SEED.inventory(numas[1], "MEMORY_MB", 2048, min_unit=256, max_unit=1024)
        SEED.allocate(numas[0], _new(), {"VCPU": 2}, "numafx-project", "numafx-user")
        fpga = env["FPGA0_UUID"] = SEED.provider("fpga0", parent=numas[0])
        SEED.inventory(fpga, "CUSTOM_FPGA", 1)
        pgpu = env["PGPU0_UUID"] = SEED.provider("pgpu0", parent=numas[0])
        SEED.inventory(pgpu, "VGPU", 8)
        for i in (0, 1):
            fpga = env[f"FPGA1_{i}_UUID"] = SEED.provider(f"fpga1_{i}", parent=numas[1])
            SEED.inventory(fpga, "CUSTOM_FPGA", 1)
        agent = env["SRIOV_AGENT_UUID"] = SEED.provider("sriov_agent", parent=cn1)
        SEED.traits(agent, "CUSTOM_VNIC_TYPE_DIRECT")
        for i in (1, 2):
            dev = env[f"ESN{i}_UUID"] = SEED.provider(f"esn{i}", parent=agent)
            SEED.traits(dev, f"CUSTOM_PHYSNET{i}")
            SEED.inventory(dev, "NET_BW_EGR_KILOBIT_PER_SEC", 10000 * i)
        agent = env["OVS_AGENT_UUID"] = SEED.provider("ovs_agent", parent=cn1)
        SEED.traits(agent, "CUSTOM_VNIC_TYPE_NORMAL")
        dev = env["BR_INT_UUID"] = SEED.provider("br_int", parent=agent)
        SEED.traits(dev, "CUSTOM_PHYSNET0")
        SEED.inventory(dev, "NET_BW_EGR_KILOBIT_PER_SEC", 1000)
        cn2 = self.cn2 or SEED.provider("cn2")
        SEED.aggregates(cn2, agg_a)
        SEED.inventory(cn2, "VCPU", 8)
        SEED.allocate(cn2, _new(), {"VCPU": 3}, "numafx-project", "numafx-user")
        SEED.inventory(cn2, "MEMORY_MB", 2048, min_unit=1024, step_size=128)
        SEED.inventory(cn2, "DISK_GB", 1000)
        SEED.traits(cn2, "CUSTOM_FOO")
        env["CN2_UUID"] = cn2
        nics = []
        for i in (1, 2, 3):
            nic = env[f"NIC{i}_UUID"] = SEED.provider(f"nic{i}", parent=cn2)
            SEED.traits(nic, "CUSTOM_HW_NIC_ROOT")
            nics.append(nic)
        pfs = [("1_1", 0, 1, 4), ("1_2", 0, 2, 4), ("2_1", 1, 1, 2), ("2_2", 1, 2, 2),
               ("2_3", 1, 1, 2), ("2_4", 1, 2, 2), ("3_1", 2, 1, 8)]
        for suffix, nic_index, physnet, vfs in pfs:
            pf = env[f"PF{suffix}_UUID"] = SEED.provider(f"pf{suffix}", parent=nics[nic_index])
            SEED.traits(pf, f"CUSTOM_PHYSNET{physnet}")
            SEED.inventory(pf, "CUSTOM_VF", vfs)


class DeepNUMANetworkFixture(NUMANetworkFixture):
    """NUMANetworkFixture with a parent and a grandparent above the compute nodes."""

    def make_entities(self) -> None:
        grandparent = SEED.provider("gp1")
        self.cn1 = SEED.provider("cn1", parent=SEED.provider("p1", parent=grandparent))
        self.cn2 = SEED.provider("cn2", parent=SEED.provider("p2", parent=grandparent))
        super().make_entities()


class NonSharedStorageFixture(APIFixture):
    """Three compute nodes with local VCPU, memory and disk."""

    def start_fixture(self) -> None:
        super().start_fixture()
        for var in ("AGGA_UUID", "AGGB_UUID", "AGGC_UUID"):
            os.environ[var] = _new()
        for name in ("cn1", "cn2", "cn3"):
            rp = os.environ[f"{name.upper()}_UUID"] = SEED.provider(name)
            SEED.inventory(rp, "VCPU", 24)
            SEED.inventory(rp, "MEMORY_MB", 128 * 1024)
            SEED.inventory(rp, "DISK_GB", 2000)


class GranularFixture(APIFixture):
    """Three compute nodes and three sharing providers, for granular requests."""

    def start_fixture(self) -> None:
        super().start_fixture()
        SEED.api.call("PUT", "/resource_classes/CUSTOM_NET_MBPS", version="1.7")
        agg_a, agg_b, agg_c = _new(), _new(), _new()
        os.environ.update(AGGA=agg_a, AGGB=agg_b, AGGC=agg_c)
        left = os.environ["CN_LEFT"] = SEED.provider("cn_left", agg_a)
        for rc, total in (("VCPU", 8), ("MEMORY_MB", 4096), ("DISK_GB", 500), ("VGPU", 8),
                          ("SRIOV_NET_VF", 8), ("CUSTOM_NET_MBPS", 4000)):
            SEED.inventory(left, rc, total)
        SEED.traits(left, "HW_CPU_X86_AVX", "HW_CPU_X86_AVX2", "HW_GPU_API_DXVA",
                    "HW_NIC_DCB_PFC", "CUSTOM_FOO")
        middle = os.environ["CN_MIDDLE"] = SEED.provider("cn_middle", agg_a, agg_b)
        for rc, total in (("VCPU", 8), ("MEMORY_MB", 4096), ("SRIOV_NET_VF", 8),
                          ("CUSTOM_NET_MBPS", 4000)):
            SEED.inventory(middle, rc, total)
        SEED.traits(middle, "HW_CPU_X86_AVX", "HW_CPU_X86_AVX2", "HW_CPU_X86_SSE",
                    "HW_NIC_ACCEL_TLS")
        right = os.environ["CN_RIGHT"] = SEED.provider("cn_right", agg_b, agg_c)
        for rc, total in (("VCPU", 8), ("MEMORY_MB", 4096), ("DISK_GB", 500)):
            SEED.inventory(right, rc, total)
        SEED.inventory(right, "VGPU", 8, max_unit=2)
        SEED.traits(right, "HW_CPU_X86_MMX", "HW_GPU_API_DXVA", "CUSTOM_DISK_SSD")
        disk1 = os.environ["SHR_DISK_1"] = SEED.provider("shr_disk_1", agg_a)
        SEED.inventory(disk1, "DISK_GB", 1000)
        SEED.traits(disk1, "MISC_SHARES_VIA_AGGREGATE", "CUSTOM_DISK_SSD")
        disk2 = os.environ["SHR_DISK_2"] = SEED.provider("shr_disk_2", agg_a, agg_b)
        SEED.inventory(disk2, "DISK_GB", 1000)
        SEED.traits(disk2, "MISC_SHARES_VIA_AGGREGATE")
        net = os.environ["SHR_NET"] = SEED.provider("shr_net", agg_c)
        SEED.inventory(net, "SRIOV_NET_VF", 16)
        SEED.inventory(net, "CUSTOM_NET_MBPS", 40000)
        SEED.traits(net, "MISC_SHARES_VIA_AGGREGATE")


class NeutronQoSMultiSegmentFixture(APIFixture):
    """Four compute trees as Neutron draws them with QoS on multi-segment networks."""

    VNIC_DIRECT = ("CUSTOM_VNIC_TYPE_DIRECT", "CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL",
                   "CUSTOM_VNIC_TYPE_MACVTAP")

    def start_fixture(self) -> None:
        super().start_fixture()
        env = os.environ
        bridges = {0: [("br-ex", "br_ex", "OTHER", 5000)], 1: [("br-ex", "br_ex", "MSN_S1", 5000)],
                   2: [("br-ex", "br_ex", "MSN_S2", 5000)],
                   3: [("br-ex", "br_ex", "MSN_S1", 1000), ("br-ex2", "br_ex2", "MSN_S2", 1000)]}
        pfs = {0: [("enp129s0f0", "pf0", "OTHER", 10000)],
               1: [("enp129s0f0", "pf0", "MSN_S1", 10000)],
               2: [("enp129s0f0", "pf0", "MSN_S2", 10000)],
               3: [("enp129s0f0", "pf0", "MSN_S1", 1000), ("enp129s0f1", "pf1", "MSN_S2", 1000)]}
        sriov_agents = {}
        for i in range(4):
            host = f"compute{i}"
            compute = env[host] = SEED.provider(host)
            for rc, total in (("VCPU", 8), ("MEMORY_MB", 4096), ("DISK_GB", 500)):
                SEED.inventory(compute, rc, total)
            ovs = env[f"{host}:ovs_agent"] = SEED.provider(f"{host}:Open vSwitch agent",
                                                           parent=compute)
            SEED.inventory(ovs, "NET_PACKET_RATE_KILOPACKET_PER_SEC", 1000)
            SEED.traits(ovs, "CUSTOM_VNIC_TYPE_NORMAL")
            for name, var, physnet, bw in bridges[i]:
                br = env[f"{host}:{var}"] = SEED.provider(f"{host}:Open vSwitch agent:{name}",
                                                          parent=ovs)
                SEED.inventory(br, "NET_BW_EGR_KILOBIT_PER_SEC", bw)
                SEED.inventory(br, "NET_BW_IGR_KILOBIT_PER_SEC", bw)
                SEED.traits(br, "CUSTOM_VNIC_TYPE_NORMAL", f"CUSTOM_PHYSNET_{physnet}")
            sriov = sriov_agents[i] = SEED.provider(f"{host}:NIC Switch agent", parent=compute)
            # Upstream's fixture names compute2's agent for compute3 too; kept as it is.
            env[f"{host}:sriov_agent"] = sriov_agents[2 if i == 3 else i]
            SEED.traits(sriov, *self.VNIC_DIRECT)
            for name, var, physnet, bw in pfs[i]:
                pf = env[f"{host}:{var}"] = SEED.provider(f"{host}:NIC Switch agent:{name}",
                                                          parent=sriov)
                SEED.inventory(pf, "NET_BW_EGR_KILOBIT_PER_SEC", bw)
                SEED.inventory(pf, "NET_BW_IGR_KILOBIT_PER_SEC", bw)
                SEED.traits(pf, *self.VNIC_DIRECT, f"CUSTOM_PHYSNET_{physnet}")


class OpenPolicyFixture(APIFixture):
    """Every placement rule opened to any caller, as upstream's fixture does."""

    def start_fixture(self) -> None:
        super().start_fixture()
        SEED.open_policy(POLICY_RULES)


class SecureRBACPolicyFixture(APIFixture):
    """Placement's current defaults with scope checks: the cloud's own policy."""

    secure_rbac = True


class LegacyRBACPolicyFixture(APIFixture):
    """Placement's deprecated defaults, as the plain APIFixture."""


class CORSFixture(APIFixture):
    """Not run (see SKIPPED)."""
