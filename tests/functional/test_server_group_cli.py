"""`openstack server group` with the unmodified CLI: create with each policy, list, show and
delete, and servers that join a group with `--hint group=<id>` on a cloud of two fake hosts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("compute", "openstack server group create (each policy)/list/show/delete, server "
                      "create --hint group=<id> (anti-affinity over two hosts) (CLI)")]

pytestmark = pytest.mark.functional
POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("server-groups") / "state"
    state.mkdir()
    proc = CloudProcess(state, extra=["--compute-hosts", "2"]).start()
    try:
        yield proc
    finally:
        proc.stop()


def _field(item: dict[str, Any], *names: str) -> Any:
    """A column whatever the client calls it (``policy`` or ``Policies``, ``id`` or ``ID``)."""
    lowered = {key.lower(): value for key, value in item.items()}
    return next((lowered[n] for n in names if n in lowered), None)


def _policy(item: dict[str, Any]) -> str:
    value = _field(item, "policy", "policies")
    return str(value[0] if isinstance(value, list) else value).strip("[]'\" ")


def _members(item: dict[str, Any]) -> list[str]:
    value = _field(item, "members")
    if isinstance(value, list):
        return [str(v) for v in value]
    return [m.strip() for m in str(value or "").replace(",", " ").split() if m.strip()]


def test_server_groups_through_the_cli(cloud: CloudProcess, tmp_path: Path) -> None:
    groups = {}
    for policy in POLICIES:
        made = cloud.openstack_json("server", "group", "create", "--policy", policy,
                                    f"grp-{policy}")
        assert _policy(made) == policy and _members(made) == []
        groups[policy] = str(_field(made, "id"))
    listed = cloud.openstack_json("server", "group", "list")
    assert {str(_field(g, "id")): _policy(g) for g in listed} == \
        {gid: policy for policy, gid in groups.items()}
    shown = cloud.openstack_json("server", "group", "show", groups["affinity"])
    assert _policy(shown) == "affinity" and _field(shown, "name") == "grp-affinity"

    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 65536)
    image = cloud.openstack_json("image", "create", "--disk-format", "raw",
                                 "--container-format", "bare", "--file", str(disk),
                                 "group-image")["id"]
    apart = groups["anti-affinity"]
    servers = [cloud.openstack_json("server", "create", "--image", image, "--flavor", "m1.nano",
                                    "--network", "private", "--hint", f"group={apart}",
                                    "--wait", f"apart-{i}")["id"] for i in range(2)]
    hosts = {cloud.openstack_json("server", "show", s)["OS-EXT-SRV-ATTR:host"]
             for s in servers}
    assert len(hosts) == 2      # anti-affinity: one host each
    assert sorted(_members(cloud.openstack_json("server", "group", "show", apart))) \
        == sorted(servers)
    # A third member has no host left: the server goes to ERROR, and says why.
    third = cloud.openstack("server", "create", "--image", image, "--flavor", "m1.nano",
                            "--network", "private", "--hint", f"group={apart}", "--wait",
                            "apart-2", check=False)
    assert third.returncode != 0
    failed = cloud.openstack_json("server", "show", "apart-2")
    assert failed["status"] == "ERROR" and "No valid host" in str(failed.get("fault"))

    cloud.openstack("server", "delete", "--wait", *servers, "apart-2")
    assert _members(cloud.openstack_json("server", "group", "show", apart)) == []
    cloud.openstack("server", "group", "delete", *groups.values())
    assert cloud.openstack_json("server", "group", "list") in ([], None)
    assert cloud.server_errors() == []
