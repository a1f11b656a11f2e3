"""``nimbus tempest-config``: a complete tempest.conf for the running cloud.

Everything that depends on the cloud is asked of the cloud itself (image and network ids, the
compute microversion range, the network extensions, the object-store features in ``/info``), so
stock tempest runs without hand edits.
"""

from __future__ import annotations

import configparser
import io
import sys
from pathlib import Path
from typing import Any

import yaml
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from nimbus.conf.settings import Settings, load
from nimbus.core.diskimage.convert import target_format
from nimbus.core.plugins import load_driver


def _session(settings: Settings, secrets: dict[str, Any]) -> ks_session.Session:
    auth = v3.Password(auth_url=f"{settings.public_url}/identity/v3", username="admin",
                       password=secrets["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


def _get(sess: ks_session.Session, service_type: str, path: str, **kw: Any) -> Any:
    try:
        resp = sess.get(path, endpoint_filter={"service_type": service_type, "interface": "public"},
                        raise_exc=False, **kw)
    except ks_exc.EndpointNotFound:
        return None
    if resp.status_code >= 400:
        return None
    return resp.json() if resp.content else None


MULTIATTACH_TYPE = "multiattach"


def _multiattach_type(sess: ks_session.Session, service_type: str) -> str | None:
    """The name of a public volume type whose volumes attach to several servers, made when
    there is none (as DevStack makes one for tempest); None without a volume service."""
    found = _get(sess, service_type, "/types?is_public=true")
    if found is None:
        return None
    for vtype in found.get("volume_types", []):
        if vtype.get("name") == MULTIATTACH_TYPE:
            return MULTIATTACH_TYPE
    resp = sess.post("/types", json={"volume_type": {
        "name": MULTIATTACH_TYPE, "os-volume-type-access:is_public": True,
        "extra_specs": {"multiattach": "<is> True"}}},
        endpoint_filter={"service_type": service_type, "interface": "public"}, raise_exc=False)
    return MULTIATTACH_TYPE if resp.status_code in (200, 202) else None


def _volume_backends(sess: ks_session.Session, service_type: str) -> list[dict[str, Any]]:
    """The capabilities of each pool the volume scheduler knows, by backend name."""
    found = _get(sess, service_type, "/scheduler-stats/get_pools?detail=true")
    pools = (found or {}).get("pools", [])
    return sorted((dict(p.get("capabilities") or {}) for p in pools),
                  key=lambda caps: str(caps.get("volume_backend_name")))


def compute_features(settings: Settings) -> dict[str, str]:
    """Tempest's compute feature flags, from what the configured driver declares it can do
    (and how many hosts there are to move servers between)."""
    driver = load_driver("compute", settings.compute.driver)
    many = max(1, settings.compute.fake_hosts) > 1 or settings.compute.driver != "fake"
    flags = {
        "resize": driver.supports_resize, "cold_migration": driver.supports_resize and many,
        "live_migration": driver.supports_live_migration and many,
        "live_migrate_back_and_forth": driver.supports_live_migration and many,
        "block_migration_for_live_migration": driver.supports_live_migration and many,
        "rescue": driver.supports_rescue, "shelve": driver.supports_snapshot,
        "shelve_migrate": driver.supports_snapshot and many,
        "snapshot": driver.supports_snapshot, "suspend": driver.supports_suspend,
        "pause": driver.supports_pause, "console_output": driver.supports_console_output,
        "interface_attach": driver.supports_interface_attach,
        "change_password": driver.supports_set_password,
        "enable_instance_password": True,
        # A console test connects through the proxy, so only a console that answers counts.
        # Tempest's one serial test sends its text as str where its websocket helper wants
        # bytes, so no cloud passes it: it stays off.
        "vnc_console": "novnc" in driver.live_console_types, "spice_console": False,
        "serial_console": False,
        "swap_volume": driver.supports_swap_volume,
        "attach_encrypted_volume": driver.supports_encrypted_volumes,
        # One volume on several servers: Cinder's multiattach volume types, and a driver that
        # connects a volume already in use elsewhere.
        "volume_multiattach": driver.supports_multiattach,
        # Personality files (before 2.57) are taken, counted against their quotas and kept
        # with the request for the build.
        "personality": True,
        # A real guest reads both; the metadata service needs real networks (a router's
        # proxy at 169.254.169.254).
        "config_drive": driver.boots_guests,
        "metadata_service": driver.boots_guests and settings.network.driver == "linux",
        "stable_rescue": driver.supports_stable_rescue,
    }
    features = {name: str(value).lower() for name, value in flags.items()}
    # The filters every request goes through: tempest sends the hints they act on.
    features["scheduler_enabled_filters"] = settings.compute.enabled_filters
    return features


def validation(settings: Settings) -> dict[str, str]:
    """Tempest's SSH validation: on when guests really boot on real networks, through a
    floating IP, from the cloud's ``ext`` namespace (where tempest then runs: ``nimbus netns
    exec``). The test guest logs root in with the keypair tempest makes."""
    driver = load_driver("compute", settings.compute.driver)
    if not (driver.boots_guests and settings.network.driver == "linux"):
        return {"run_validation": "false"}
    return {"run_validation": "true", "connect_method": "floating", "auth_method": "keypair",
            "ip_version_for_ssh": "4", "image_ssh_user": "root", "image_alt_ssh_user": "root",
            "ssh_key_type": "ecdsa", "connect_timeout": "60", "ssh_timeout": "180",
            "ping_timeout": "120"}


def _guest_image_file() -> Path | None:
    """The cached test guest image, when this machine has built it."""
    from nimbus.core.guestimage import build as guest_image

    try:
        path = guest_image.image_path()
    except guest_image.BuildError:
        return None
    return path if path.exists() else None


def _find(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((i for i in items if i.get("name") == name), None)


def build(settings: Settings, secrets: dict[str, Any], workspace: Path | None,
          http_images: dict[str, str] | None = None) -> str:
    """The tempest.conf text; ``http_images`` are tempest's ``[image] http_image`` and
    ``http_qcow2_image`` when the caller serves them somewhere the cloud may fetch from."""
    sess = _session(settings, secrets)
    access = sess.auth.get_access(sess)  # type: ignore[union-attr]
    catalog_types = {e["type"] for e in access.service_catalog.catalog}
    images = (_get(sess, "image", "/v2/images?limit=100") or {}).get("images", [])
    # The real test guest (``nimbus up --real``) when there is one, else the fake one.
    image = (_find(images, "nimbus-guest") or _find(images, "nimbus-test")
             or (images[0] if images else {}))
    image_alt = _find(images, "nimbus-guest-alt") or _find(images, "nimbus-test-alt") or image
    stores = (_get(sess, "image", "/v2/info/stores/detail") or {}).get("stores", [])
    flavors = (_get(sess, "compute", "/flavors") or {}).get("flavors", [])
    # The smallest flavors, as DevStack names them; a real test guest needs 128 MB.
    small, bigger = (("m1.micro", "m1.tiny") if load_driver(
        "compute", settings.compute.driver).boots_guests else ("m1.nano", "m1.micro"))
    flavor = _find(flavors, small) or (flavors[0] if flavors else {})
    flavor_alt = _find(flavors, bigger) or flavor
    version = (_get(sess, "compute", "/") or {}).get("version", {})
    hypervisors = (_get(sess, "compute", "/os-hypervisors") or {}).get("hypervisors", [])
    nets = (_get(sess, "network", "/v2.0/networks?router:external=true") or {}).get("networks", [])
    public = _find(nets, "public") or (nets[0] if nets else {})
    exts = (_get(sess, "network", "/v2.0/extensions") or {}).get("extensions", [])
    info_resp = sess.get(f"{settings.public_url}/object/info", authenticated=False,
                         raise_exc=False)
    info = info_resp.json() if info_resp.status_code == 200 else {}
    volume_type = "volumev3" if "volumev3" in catalog_types else "block-storage"
    sc = settings.identity.security_compliance

    conf = configparser.ConfigParser(interpolation=None)
    conf.optionxform = str  # type: ignore[assignment,method-assign]
    if workspace is not None:
        # Only for a workspace we know: a log or lock dir that does not exist where tempest
        # runs stops it before it can load a single test.
        conf["DEFAULT"] = {"log_dir": str(workspace / "logs"), "log_file": "tempest.log"}
        conf["oslo_concurrency"] = {"lock_path": str(workspace / "tempest_lock")}
    conf["auth"] = {
        "use_dynamic_credentials": "true",
        "admin_username": "admin",
        "admin_password": secrets["admin_password"],
        "admin_project_name": "admin",
        "admin_domain_name": "Default",
        "create_isolated_networks": "true",
        "tempest_roles": "member",
    }
    conf["identity"] = {
        "uri_v3": f"{settings.public_url}/identity/v3",
        "auth_version": "v3",
        "region": settings.region,
        "v3_endpoint_type": "public",
        "user_lockout_failure_attempts": str(sc.lockout_failure_attempts),
        "user_lockout_duration": str(sc.lockout_duration),
        "user_unique_last_password_count": str(sc.unique_last_password_count),
        "user_minimum_password_age": str(sc.minimum_password_age_days),
        "default_domain_id": "default",
    }
    conf["identity-feature-enabled"] = {
        "api_v2": "false",
        "api_v3": "true",
        "security_compliance": "true",
        "application_credentials": "true",
        "access_rules": "true",
        "project_tags": "true",
        "domain_specific_drivers": "false",
    }
    conf["compute"] = {
        "image_ref": image.get("id", ""),
        "image_ref_alt": image_alt.get("id", ""),
        "flavor_ref": str(flavor.get("id", "")),
        "flavor_ref_alt": str(flavor_alt.get("id", "")),
        "min_microversion": version.get("min_version") or "2.1",
        "max_microversion": version.get("version") or settings.compute.max_microversion,
        "build_timeout": "120",
        "region": settings.region,
        # Tempest skips every migration test unless it knows there is a host to move to.
        "min_compute_nodes": str(max(1, len(hypervisors))),
    }
    hosts = sorted(str(h.get("hypervisor_hostname") or h.get("service", {}).get("host") or "")
                   for h in hypervisors)
    if len(hosts) > 1:
        # The tests that move a server to a named host take these two.
        conf["compute"].update(migration_source_host=hosts[0], migration_dest_host=hosts[1])
    conf["compute-feature-enabled"] = compute_features(settings)
    http_store = any(s.get("type") == "http" for s in stores)
    shows_locations = bool(images) and "locations" in images[0]
    conf["image"] = {"container_formats": "bare", "disk_formats": "raw,qcow2,iso",
                     "region": settings.region, **(http_images or {}),
                     # Every image API node keeps a cache, managed through /v2/cache.
                     "image_caching_enabled": "true"}
    if "image_remote" in catalog_types:
        # Another image API node of this cloud, registered under its own service type.
        conf["image"]["alternate_image_endpoint"] = "image_remote"
    # Random bytes labelled qcow2 are what the list tests upload; strict checking is a setting.
    # Interoperable import is always on (glance-direct at least), and os_glance_* properties are
    # reserved for the service; the import methods themselves are discovered from /v2/info/import.
    conf["image-feature-enabled"] = {"api_v2": "true", "image_format_enforcement": "false",
                                     "import_image": "true", "os_glance_reserved": "true",
                                     # Stores carry weights; an image's ``stores`` lists them
                                     # highest weight first (nimbus.image.manager.stores).
                                     "store_weight_enabled": "true",
                                     # A read-only http store exists when the web-download
                                     # allow-list names a host; images show ``locations`` when
                                     # the listing carries them (show_multiple_locations).
                                     "http_store_enabled": str(http_store).lower(),
                                     "manage_locations": str(http_store and shows_locations).lower(),
                                     "do_secure_hash": str(
                                         settings.image.do_secure_hash).lower(),
                                     # Imports convert to the preferred format (qemu-img).
                                     "image_conversion": str(
                                         target_format(settings) is not None).lower()}
    conf["network"] = {
        "public_network_id": public.get("id", ""),
        "floating_network_name": public.get("name", "public"),
        "project_network_cidr": "10.100.0.0/16",
        "project_network_mask_bits": "28",
        "region": settings.region,
    }
    conf["network-feature-enabled"] = {
        "ipv6": "true",
        "ipv6_subnet_attributes": "true",
        "api_extensions": ",".join(sorted(e["alias"] for e in exts)) or "all",
        "port_security": str(any(e["alias"] == "port-security" for e in exts)).lower(),
    }
    # Tests that read Placement (the QoS ones) ask for a microversion in the range it serves.
    root = sess.get(f"{settings.public_url}/placement/", authenticated=False, raise_exc=False)
    served = (root.json().get("versions") or [{}])[0] if root.ok else {}
    conf["placement"] = {"min_microversion": served.get("min_version") or "1.0",
                         "max_microversion": served.get("max_version") or "1.0",
                         "region": settings.region}
    if any(e["alias"] == "port-resource-request" for e in exts):
        # Each host's NIC is on this physical network, with its bandwidth and packet rate in
        # Placement; tempest makes VLAN networks on it from this segment on.
        conf["network-feature-enabled"].update(
            qos_placement_physnet=settings.network.physnet,
            provider_net_base_segmentation_id="3000", qos_min_bw_and_pps="true")
    volume_versions = sess.get(f"{settings.public_url}/volume/", authenticated=False,
                               raise_exc=False)
    found = volume_versions.json().get("versions", []) if volume_versions.ok else []
    v3: dict[str, Any] = next((v for v in found if str(v.get("id", "")).startswith("v3")), {})
    conf["volume"] = {"catalog_type": volume_type, "build_timeout": "120",
                      "region": settings.region,
                      # Unset, tempest skips every test of a microversion above 3.0.
                      "min_microversion": v3.get("min_version") or "3.0",
                      "max_microversion": v3.get("version") or "3.0"}
    # Tempest selects backends by name (multi-backend and retype tests) and makes types asking
    # for the first one's protocol and vendor.
    backends = _volume_backends(sess, volume_type)
    names = [str(caps.get("volume_backend_name")) for caps in backends]
    if backends:
        conf["volume"].update(backend_names=",".join(names),
                              storage_protocol=str(backends[0].get("storage_protocol")),
                              vendor_name=str(backends[0].get("vendor_name")))
    multiattach = _multiattach_type(sess, volume_type)
    if multiattach:
        conf["volume"]["volume_type_multiattach"] = multiattach
    # Backups go to the object store: enabled when the cloud has one, kept as Cinder's Swift
    # driver keeps them (tempest then names a container for each).
    backups = "object-store" in catalog_types
    if backups:
        conf["volume"]["backup_driver"] = "swift"
    conf["volume-feature-enabled"] = {"snapshot": "true", "clone": "true",
                                      "backup": str(backups).lower(),
                                      "volume_revert": "true",
                                      "extend_attached_volume": "true",
                                      "extend_attached_encrypted_volume": "true",
                                      # The fake and file backends keep what is unmanaged
                                      # under its name, as these references give it.
                                      "manage_volume": "true", "manage_snapshot": "true",
                                      "multi_backend": str(len(set(names)) > 1).lower()}
    conf["volume"].update(manage_volume_ref="source-name,volume-%s",
                          manage_snapshot_ref="source-name,snapshot-%s")
    conf["object-storage"] = {"operator_role": "member", "reseller_admin_role": "ResellerAdmin",
                              "region": settings.region,
                              # Container sync: the realm this cloud is, and how often it syncs.
                              "realm_name": settings.object.sync_realm,
                              "cluster_name": settings.object.sync_cluster,
                              "container_sync_interval": str(int(settings.object.sync_interval)),
                              "container_sync_timeout": "120"}
    features = sorted(k for k in info if k != "swift")
    conf["object-storage-feature-enabled"] = {
        "discoverability": "true",
        "object_versioning": "true" if "versioned_writes" in info else "false",
        "discoverable_apis": ",".join(features) if features else "",
    }
    conf["validation"] = validation(settings)
    image_file = _guest_image_file() if conf["validation"]["run_validation"] == "true" else None
    if image_file is not None:
        # What the scenario tests upload as a new image: the test guest itself.
        conf["scenario"] = {"img_file": str(image_file), "img_disk_format": "qcow2",
                            "img_container_format": "bare"}
    # The dashboard is not in the catalog (nor is Horizon): its login page says it is there.
    login = sess.get(f"{settings.public_url}/dashboard/", authenticated=False, raise_exc=False)
    dashboard = login.status_code == 200 and "id_username" in login.text
    if dashboard:
        conf["dashboard"] = {"dashboard_url": f"{settings.public_url}/dashboard/",
                             "login_url": f"{settings.public_url}/dashboard/auth/login/"}
    if "orchestration" in catalog_types:
        conf["heat_plugin"] = heat_plugin(settings, secrets, image, flavor)
    available = {
        "keystone": "identity" in catalog_types,
        "nova": "compute" in catalog_types,
        "neutron": "network" in catalog_types,
        "glance": "image" in catalog_types,
        "cinder": volume_type in catalog_types,
        "swift": "object-store" in catalog_types,
        "horizon": dashboard,
        "heat": "orchestration" in catalog_types,
    }
    conf["service_available"] = {k: str(v).lower() for k, v in available.items()}
    out = io.StringIO()
    conf.write(out)
    return out.getvalue()


def heat_plugin(settings: Settings, secrets: dict[str, Any], image: dict[str, Any],
                flavor: dict[str, Any]) -> dict[str, str]:
    """heat-tempest-plugin's section: it runs as the demo user (static credentials) and boots
    its servers on the demo project's ``private`` network."""
    return {
        "auth_url": f"{settings.public_url}/identity/v3",
        "username": "demo", "password": secrets["demo_password"], "project_name": "demo",
        "user_domain_name": "Default", "project_domain_name": "Default",
        "admin_username": "admin", "admin_password": secrets["admin_password"],
        "admin_project_name": "admin", "region": settings.region,
        "endpoint_type": "public", "catalog_type": "orchestration",
        "minimal_instance_type": str(flavor.get("name", "")),
        "instance_type": str(flavor.get("name", "")),
        "minimal_image_ref": str(image.get("name", "")),
        "image_ref": str(image.get("name", "")),
        "fixed_network_name": "private", "floating_network_name": "public",
        # Heat's default ``hidden_stack_tags``; such stacks are left out of lists.
        "hidden_stack_tag": "data-processing-cluster",
        "build_interval": "1", "build_timeout": "300",
    }


def workspace_for(workspace: str | None, output: str | None) -> Path | None:
    """The tempest workspace the conf belongs to: the one named, or the one ``-o`` writes into
    (``<workspace>/etc/tempest.conf`` by tempest's layout, otherwise the file's own directory);
    None when the conf goes to standard output."""
    if workspace:
        return Path(workspace).resolve()
    if not output:
        return None
    parent = Path(output).resolve().parent
    return parent.parent if parent.name == "etc" else parent


def run(overrides: dict[str, Any], output: str | None, workspace: str | None,
        http_images: dict[str, str] | None = None) -> int:
    settings = load(overrides)
    endpoint = settings.state_dir / "endpoint.yaml"
    if endpoint.exists():
        found = yaml.safe_load(endpoint.read_text()) or {}
        settings = load({**{k: v for k, v in found.items() if v}, **overrides})
    secrets_file = settings.state_dir / "secrets.yaml"
    if not secrets_file.exists():
        print(f"no cloud found in {settings.state_dir}; start it with `nimbus up` first",
              file=sys.stderr)
        return 1
    secrets = yaml.safe_load(secrets_file.read_text())
    ws = workspace_for(workspace, output)
    if ws is not None:
        for sub in ("logs", "tempest_lock"):
            (ws / sub).mkdir(parents=True, exist_ok=True)
    text = build(settings, secrets, ws, {k: v for k, v in (http_images or {}).items() if v})
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0
