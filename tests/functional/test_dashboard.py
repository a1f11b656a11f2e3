"""The dashboard under `nimbus up`, driven as a browser drives it (a cookie jar and forms):
Horizon's login form, CSRF on every form, the session cookie's flags, escaping, the project
switcher, and a logout that revokes the token."""

from __future__ import annotations

import hashlib
import html
import html.parser
import http.cookiejar
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cloud_process import BIN, CloudProcess

pytestmark = pytest.mark.functional

COVERS = [
    ("dashboard", "Horizon's login form (id_username, csrfmiddlewaretoken, region), sign-in "
                  "as the demo user, Overview with quota usage charts"),
    ("dashboard", "CSRF: a form without the token is 403; session cookie HttpOnly and "
                  "SameSite; names shown escaped; logout revokes the token"),
    ("dashboard", "project switcher: a token for another of the user's projects"),
    ("dashboard", "instances: pages of 20, detail with console and action logs, the noVNC "
                  "console in the page, live rows; "
                  "another project's server is not found"),
    ("dashboard", "list panels: images, key pairs, server groups, volumes, snapshots, backups, "
                  "networks, routers, security groups, floating IPs, containers; only the "
                  "project's own"),
    ("dashboard", "launch form: image source, flavor, network, security group, user data; its "
                  "own and compute's refusals beside the field; row action delete"),
    ("dashboard", "API access: clouds.yaml and openrc downloads used by the openstack CLI; "
                  "an application credential's clouds.yaml works without a password"),
    ("dashboard", "create image: the record, then the file streamed through to the image "
                  "service (CSRF header checked)"),
    ("dashboard", "panel actions: volume create/extend/transfer, network with subnet, router "
                  "interface, security group rule, floating IP, key pair, public container"),
    ("dashboard", "object store: pseudo-folders, a file uploaded and downloaded as streams, "
                  "an object deleted"),
    ("dashboard", "orchestration: launch a stack from a template with parameters, its detail "
                  "(outputs, resources, events, template), check and delete; a bad "
                  "template's refusal shown on the form"),
    ("dashboard", "network topology: an SVG of networks, routers and servers, redrawn for "
                  "its live refresh; a new server appears with its link"),
    ("dashboard", "admin and identity panels (hypervisors with usage, aggregates, flavors, all "
                  "instances, volumes, networks, routers, services, agents, default quotas, "
                  "metadata definitions, projects, users, groups, roles, assignments); a "
                  "member gets 403 and no admin menu"),
    ("dashboard", "instance forms (rename, snapshot; resize, rebuild, rescue, interfaces "
                  "offered), image edit and delete, the security group rule editor, ports"),
    ("dashboard", "administrators: create project and user with a role (who then signs in), "
                  "create flavor, set a default quota; a member is refused the forms (403)"),
    ("dashboard", "hostile input (NUL, surrogates, huge values, traversal, markup, bad "
                  "numbers) in paths, queries and forms: never a 5xx"),
    ("dashboard", "a server and a volume named <script>alert(1)</script> shown escaped on "
                  "every page that names them"),
]


class Forms(html.parser.HTMLParser):
    """The forms of a page: action → their input values, as tempest's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.forms.append((found.get("action") or "", {}))
        elif not self.forms:
            return
        elif tag == "input" and found.get("name") and found.get("type") not in (
                "checkbox", "radio", "file"):
            self.forms[-1][1][str(found["name"])] = found.get("value") or ""
        elif tag == "select" and found.get("name"):
            self.select = str(found["name"])
        # As a browser sends a select: its selected option, else its first.
        elif tag == "option" and self.select and (
                self.select not in self.forms[-1][1] or "selected" in found):
            self.forms[-1][1][self.select] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = ""


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path,
                                         urllib.parse.urlencode(fields).encode())
        try:
            with self.opener.open(request, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def forms(self, text: str) -> list[tuple[str, dict[str, str]]]:
        parser = Forms()
        parser.feed(text)
        return parser.forms

    def login(self, username: str, password: str) -> str:
        _, text = self.get("/dashboard/")
        action, fields = self.forms(text)[0]
        status, page = self.post(action, {**fields, "username": username,
                                          "password": password, "domain": "Default"})
        assert status == 200, page
        return page

    def cookie(self, name: str) -> http.cookiejar.Cookie:
        return next(c for c in self.jar if c.name == name)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    proc = CloudProcess(tmp_path_factory.mktemp("dashboard") / "state").start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def demo_password(cloud: CloudProcess) -> str:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    return str(secrets["demo_password"])


def test_horizon_login_form_and_overview(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    status, text = browser.get("/dashboard/")
    assert status == 200 and "id_username" in text
    action, fields = browser.forms(text)[0]
    assert action == "/dashboard/auth/login/"
    assert fields["csrfmiddlewaretoken"] and fields["region"] == "RegionOne"
    page = browser.login("demo", demo_password(cloud))
    assert "Overview" in page and "Used 0 of 10" in page
    session = browser.cookie("sessionid")
    assert session.has_nonstandard_attr("HttpOnly")
    assert (session.get_nonstandard_attr("SameSite") or "").lower() == "lax"
    # The same page again, from the session alone.
    status, again = browser.get("/dashboard/")
    assert status == 200 and "Overview" in again


def test_wrong_password_and_missing_csrf(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    _, text = browser.get("/dashboard/")
    action, fields = browser.forms(text)[0]
    status, page = browser.post(action, {**fields, "username": "demo", "password": "nope"})
    assert status == 401 and "Invalid credentials." in page
    status, page = browser.post(action, {"username": "demo",
                                         "password": demo_password(cloud)})
    assert status == 403 and "CSRF" in page
    signed = Browser(cloud.url)
    signed.login("demo", demo_password(cloud))
    # A signed-in form without the session's token changes nothing.
    status, _ = signed.post("/dashboard/auth/logout/", {"csrfmiddlewaretoken": "forged"})
    assert status == 403
    assert "Overview" in signed.get("/dashboard/project/")[1]


def test_names_are_escaped_and_the_switcher_rescopes(cloud: CloudProcess) -> None:
    hostile = "<script>alert(1)</script>"
    project = cloud.openstack_json("project", "create", "--domain", "default", hostile)
    cloud.openstack("role", "add", "--user", "demo", "--project", project["id"], "member")
    browser = Browser(cloud.url)
    page = browser.login("demo", demo_password(cloud))
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    action, fields = next(f for f in browser.forms(page) if project["id"] in f[0])
    status, switched = browser.post(action, fields)
    assert status == 200
    assert "Project: &lt;script&gt;" in switched


def test_logout_revokes_the_token(cloud: CloudProcess) -> None:
    def revocations() -> list[Any]:
        token = cloud.openstack("token", "issue", "-f", "value", "-c", "id").stdout.strip()
        request = urllib.request.Request(f"{cloud.url}/identity/v3/OS-REVOKE/events",
                                         headers={"X-Auth-Token": token})
        with urllib.request.urlopen(request, timeout=30) as resp:
            return list(json.load(resp)["events"])

    browser = Browser(cloud.url)
    page = browser.login("demo", demo_password(cloud))
    before = len(revocations())
    action, fields = next(f for f in browser.forms(page) if f[0].endswith("/auth/logout/"))
    status, text = browser.post(action, fields)
    assert status == 200 and "id_username" in text
    assert len(revocations()) == before + 1
    # The old cookie is worth nothing now.
    status, text = browser.get("/dashboard/project/")
    assert "id_username" in text and "Overview" not in text


def test_instances_list_pages_detail_and_live_rows(cloud: CloudProcess) -> None:
    cloud.openstack("quota", "set", "--instances", "30", "--cores", "60", "--ram", "100000",
                    "demo")
    image = cloud.openstack_json("image", "list", cloud="nimbus-demo")[0]["ID"]
    cloud.openstack("server", "create", "--image", image, "--flavor", "m1.nano", "--network",
                    "private", "--min", "21", "--max", "21", "--wait", "web<i>",
                    cloud="nimbus-demo")
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, first = browser.get("/dashboard/project/instances/")
    assert status == 200
    ids = re.findall(r'<tr id="row-([0-9a-f-]{36})"', first)
    assert len(ids) == 20 and "web&lt;i&gt;-" in first and "web<i>" not in first
    following = re.search(r'href="(/dashboard/project/instances/\?marker=[^"]+)"', first)
    assert following is not None
    status, second = browser.get(following.group(1).replace("&amp;", "&"))
    rest = re.findall(r'<tr id="row-([0-9a-f-]{36})"', second)
    assert status == 200 and len(rest) == 1 and rest[0] not in ids
    status, detail = browser.get(f"/dashboard/project/instances/{ids[0]}/")
    assert status == 200 and 'id="console-log"' in detail and "Action Log" in detail
    status, console = browser.get(f"/dashboard/project/instances/{ids[0]}/console/")
    frame = re.search(r'<iframe id="console-frame" class="console-frame" src="([^"]+)"', console)
    assert status == 200 and frame is not None and "vnc_lite.html" in frame.group(1)
    with urllib.request.urlopen(html.unescape(frame.group(1)), timeout=30) as resp:
        assert resp.status == 200
    assert ">create<" in detail
    status, text = browser.get(f"/dashboard/project/instances/rows/?ids={ids[0]},gone-id")
    states = json.loads(text)
    assert states[ids[0]]["status"] == "ACTIVE" and states["gone-id"] == {"gone": True}
    # Another project's server is not found from here.
    status, _ = browser.get(f"/dashboard/project/instances/{_admin_server(cloud, image)}/")
    assert status == 404


def _admin_server(cloud: CloudProcess, image: str) -> str:
    server = cloud.openstack_json("server", "create", "--image", image, "--flavor", "m1.nano",
                                  "--network", "private", "--wait", "admins")
    return str(server["id"])


def test_every_list_panel_shows_the_projects_own_resources(cloud: CloudProcess) -> None:
    from nimbus.dashboard.manager.tables import TABLES

    cloud.openstack("container", "create", "box<1>", cloud="nimbus-demo")
    cloud.openstack("keypair", "create", "key-1", cloud="nimbus-demo")
    cloud.openstack("volume", "create", "--size", "1", "vol<1>", cloud="nimbus-demo")
    cloud.openstack("volume", "create", "--size", "1", "admins-volume")
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    for slug in TABLES:
        status, text = browser.get(f"/dashboard/project/{slug}/")
        assert status == 200, (slug, text[-500:])
        assert f'<table class="list" id="{slug}">' in text
    assert "box&lt;1&gt;" in browser.get("/dashboard/project/containers/")[1]
    assert "key-1" in browser.get("/dashboard/project/key_pairs/")[1]
    volumes = browser.get("/dashboard/project/volumes/")[1]
    assert "vol&lt;1&gt;" in volumes and "admins-volume" not in volumes
    status, text = browser.get("/dashboard/project/nope/")
    assert status == 404 and "No panel" in text


def test_launch_form_creates_and_row_actions_act(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, text = browser.get("/dashboard/project/instances/launch/")
    assert status == 200
    action, fields = next(f for f in browser.forms(text) if f[0].endswith("/launch/"))
    image = cloud.openstack_json("image", "list", cloud="nimbus-demo")[0]["ID"]
    network = next(n["ID"] for n in cloud.openstack_json("network", "list", cloud="nimbus-demo")
                   if n["Name"] == "private")
    flavor = next(f["ID"] for f in cloud.openstack_json("flavor", "list")
                  if f["Name"] == "m1.nano")
    chosen = {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "source_type": "image",
              "source": image, "flavor": flavor, "networks": network,
              "security_groups": "default", "count": "1"}
    # The form's own check names the field.
    status, text = browser.post(action, {**chosen, "name": ""})
    assert status == 400 and 'id="error-name"' in text
    # The service's refusal is shown beside the field it names.
    status, text = browser.post(action, {**chosen, "name": "x", "flavor": "no-such-flavor"})
    assert status == 400 and 'id="error-flavor"' in text
    status, text = browser.post(action, {**chosen, "name": "from-the-form",
                                         "user_data": "#!/bin/sh\necho hi\n"})
    assert status == 200 and "from-the-form" in text
    server = next(s for s in cloud.openstack_json("server", "list", cloud="nimbus-demo")
                  if s["Name"] == "from-the-form")
    status, _ = browser.post(f"/dashboard/project/instances/{server['ID']}/action/",
                             {"csrfmiddlewaretoken": chosen["csrfmiddlewaretoken"],
                              "action": "delete"})
    assert status == 200
    deadline = time.monotonic() + 60
    while any(s["ID"] == server["ID"]
              for s in cloud.openstack_json("server", "list", cloud="nimbus-demo")):
        assert time.monotonic() < deadline
        time.sleep(0.5)


def _cli_with(clouds: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds)
    result = subprocess.run([str(BIN / "openstack"), "--os-cloud", "openstack", *args],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_api_access_files_work_with_the_cli(cloud: CloudProcess, tmp_path: Path) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, text = browser.get("/dashboard/project/api_access/")
    assert status == 200 and "object-store" in text
    status, downloaded = browser.get("/dashboard/project/api_access/clouds.yaml")
    assert status == 200 and "password" not in yaml.safe_load(downloaded)["clouds"][
        "openstack"]["auth"]
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(downloaded)
    listed = _cli_with(clouds, f"--os-password={demo_password(cloud)}", "network", "list",
                       "-f", "value", "-c", "Name")
    assert "private" in listed.split()
    status, rc = browser.get("/dashboard/project/api_access/openrc/")
    assert status == 200 and "export OS_USERNAME='demo'" in rc
    # An application credential: its clouds.yaml needs no password at all.
    token = next(f for f in browser.forms(text) if f[0].endswith("/application_credentials/"))
    status, made = browser.post(token[0], {**token[1], "name": "ci<cred>"})
    assert status == 200 and "ci&lt;cred&gt;" in made
    snippet = re.search(r'<pre id="credential-yaml" tabindex="0">(.*?)</pre>', made, re.S)
    assert snippet is not None
    clouds.write_text(html.unescape(snippet.group(1)))
    assert "private" in _cli_with(clouds, "network", "list", "-f", "value", "-c", "Name").split()


def test_image_created_and_its_file_streamed_through(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, text = browser.get("/dashboard/project/images/create/")
    assert status == 200 and 'id="upload-progress"' in text
    action, fields = next(f for f in browser.forms(text) if f[0].endswith("/images/create/"))

    def create(**extra: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            cloud.url + action, urllib.parse.urlencode({**fields, **extra}).encode(),
            headers={"Accept": "application/json"})
        try:
            with browser.opener.open(request, timeout=30) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    status, refused = create(name="", source="file")
    assert status == 400 and "name" in refused["errors"]
    status, made = create(name="uploaded<img>", source="file", disk_format="raw")
    assert status == 201, made
    data = os.urandom(3 * 1024 * 1024 + 17)

    def put(token: str, body: bytes) -> int:
        request = urllib.request.Request(cloud.url + made["upload"], data=body, method="PUT",
                                         headers={"X-CSRFToken": token,
                                                  "Content-Type": "application/octet-stream"})
        try:
            with browser.opener.open(request, timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # (A refusal is answered before the body is read: a short one here, so that the client
    # is not writing into a closed connection.)
    assert put("forged", b"x") == 403
    assert put(fields["csrfmiddlewaretoken"], data) == 200
    shown = cloud.openstack_json("image", "show", made["id"], cloud="nimbus-demo")
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert "uploaded&lt;img&gt;" in browser.get("/dashboard/project/images/")[1]


def _act(browser: Browser, path: str, **values: str) -> tuple[int, str]:
    """Open an action's form and send it with ``values``."""
    status, text = browser.get(path)
    assert status == 200, text[-400:]
    action, fields = next(f for f in browser.forms(text) if "/do/" in f[0])
    return browser.post(action, {**fields, **values})


def _wait(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.5)


def test_panel_actions_through_their_forms(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    demo = {"cloud": "nimbus-demo"}
    # Volumes: create, extend, snapshot, a transfer whose key is shown once, delete.
    status, _ = _act(browser, "/dashboard/project/volumes/do/create/", name="panel-vol",
                     size="1")
    assert status == 200
    volume = next(v for v in cloud.openstack_json("volume", "list", **demo)
                  if v["Name"] == "panel-vol")
    _wait(lambda: cloud.openstack_json("volume", "show", volume["ID"], **demo)["status"]
          == "available")
    status, text = _act(browser, f"/dashboard/project/volumes/{volume['ID']}/do/extend/",
                        new_size="0")
    assert status == 400 and 'id="error-_"' in text or 'id="error-new_size"' in text
    _act(browser, f"/dashboard/project/volumes/{volume['ID']}/do/extend/", new_size="2")
    _wait(lambda: cloud.openstack_json("volume", "show", volume["ID"], **demo)["size"] == 2)
    status, text = _act(browser, f"/dashboard/project/volumes/{volume['ID']}/do/transfer/",
                        name="hand-over")
    assert status == 200 and "Authorization Key" in text
    # Networks: one with a subnet, a router joined to it, a rule, a floating IP.
    _act(browser, "/dashboard/project/networks/do/create/", name="panel-net",
         cidr="192.168.77.0/24", subnet_name="panel-sub")
    subnets = cloud.openstack_json("subnet", "list", "--name", "panel-sub", **demo)
    assert subnets and subnets[0]["Subnet"] == "192.168.77.0/24"
    _act(browser, "/dashboard/project/routers/do/create/", name="panel-router")
    router = next(r for r in cloud.openstack_json("router", "list", **demo)
                  if r["Name"] == "panel-router")
    _act(browser, f"/dashboard/project/routers/{router['ID']}/do/add_interface/",
         subnet=subnets[0]["ID"])
    ports = cloud.openstack_json("port", "list", "--router", router["ID"], **demo)
    assert len(ports) == 1
    _act(browser, "/dashboard/project/security_groups/do/create/", name="panel-sg")
    group = next(g for g in cloud.openstack_json("security group", "list", **demo)
                 if g["Name"] == "panel-sg")
    _act(browser, f"/dashboard/project/security_groups/{group['ID']}/do/add_rule/",
         protocol="tcp", port_min="22", remote_ip_prefix="10.0.0.0/8")
    rules = cloud.openstack_json("security group rule", "list", group["ID"], **demo)
    assert any(r["Port Range"] == "22:22" for r in rules)
    status, text = _act(browser, "/dashboard/project/floating_ips/do/allocate/")
    assert status == 200 and "Floating IP" in text, re.findall(r"error-[a-z_]+.{0,200}", text)
    # Key pairs: the private key is shown once.
    status, text = _act(browser, "/dashboard/project/key_pairs/do/create/", name="panel-key")
    assert status == 200 and "PRIVATE KEY" in text
    # Containers: public access, then a direct row action.
    _act(browser, "/dashboard/project/containers/do/create/", name="panel-box", public="on")
    shown = cloud.openstack_json("container", "show", "panel-box", **demo)
    assert ".r:*" in str(shown.get("read_acl"))
    page = browser.get("/dashboard/project/containers/")[1]
    action, fields = next(f for f in browser.forms(page) if "panel-box/do/delete/" in f[0])
    assert browser.post(action, fields)[0] == 200
    assert "panel-box" not in browser.get("/dashboard/project/containers/")[1]


def test_object_store_folders_upload_download_delete(cloud: CloudProcess) -> None:
    cloud.openstack("container", "create", "files", cloud="nimbus-demo")
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    assert "/project/containers/files/browse/" in browser.get("/dashboard/project/containers/")[1]
    status, page = browser.get("/dashboard/project/containers/files/browse/")
    assert status == 200 and 'id="upload-progress"' in page
    action, fields = next(f for f in browser.forms(page) if f[1].get("do") == "folder")
    assert browser.post(action, {**fields, "name": "docs"})[0] == 200
    csrf_token = fields["csrfmiddlewaretoken"]
    data = os.urandom(2 * 1024 * 1024 + 5)
    request = urllib.request.Request(
        f"{cloud.url}/dashboard/project/containers/files/upload/?name=docs/report%3C1%3E.bin",
        data=data, method="PUT", headers={"X-CSRFToken": csrf_token,
                                          "Content-Type": "application/octet-stream"})
    with browser.opener.open(request, timeout=60) as resp:
        assert resp.status == 200
    status, folder = browser.get("/dashboard/project/containers/files/browse/?prefix=docs/")
    assert status == 200 and "report&lt;1&gt;.bin" in folder
    with browser.opener.open(f"{cloud.url}/dashboard/project/containers/files/download/"
                             "?name=docs/report%3C1%3E.bin", timeout=60) as resp:
        assert resp.read() == data
        assert "attachment" in resp.headers["Content-Disposition"]
    action, fields = next(f for f in browser.forms(folder) if f[1].get("do") == "delete")
    assert browser.post(action, fields)[0] == 200
    names = cloud.openstack_json("object", "list", "files", cloud="nimbus-demo")
    assert [o["Name"] for o in names] == ["docs/"]


def test_topology_shows_networks_routers_and_a_new_server(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, page = browser.get("/dashboard/project/network_topology/")
    assert status == 200 and 'id="topology-svg"' in page
    assert 'class="network external"' in page and "Router: " in page
    image = cloud.openstack_json("image", "list", cloud="nimbus-demo")[0]["ID"]
    cloud.openstack("server", "create", "--image", image, "--flavor", "m1.nano", "--network",
                    "private", "--wait", "topo<vm>", cloud="nimbus-demo")
    status, svg = browser.get("/dashboard/project/network_topology/svg/")
    assert status == 200 and svg.startswith("<svg")
    assert 'data-name="topo&lt;vm&gt;"' in svg and "topo<vm>" not in svg
    # The new server's box has a line to the private network's bar.
    box = svg[svg.index('data-name="topo&lt;vm&gt;"'):]
    assert "<line" in box[:box.index("</g>")]


def admin_password(cloud: CloudProcess) -> str:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    return str(secrets["admin_password"])


def test_admin_and_identity_panels_are_the_admins(cloud: CloudProcess) -> None:
    from nimbus.dashboard.manager.admin_tables import ADMIN_TABLES

    admin = Browser(cloud.url)
    page = admin.login("admin", admin_password(cloud))
    assert "/dashboard/admin/hypervisors/" in page and "/dashboard/identity/users/" in page
    for table in ADMIN_TABLES.values():
        status, text = admin.get(f"/dashboard/{table.url}/")
        assert status == 200, (table.url, text[-400:])
        assert f'<table class="list" id="{table.slug}">' in text
    assert "demo" in admin.get("/dashboard/identity/users/")[1]
    assert " of " in admin.get("/dashboard/admin/hypervisors/")[1]
    member = Browser(cloud.url)
    page = member.login("demo", demo_password(cloud))
    assert "/dashboard/admin/" not in page and "/dashboard/identity/" not in page
    for path in ("admin/hypervisors", "admin/instances", "admin/networks", "identity/users",
                 "identity/projects", "admin/compute_services"):
        status, text = member.get(f"/dashboard/{path}/")
        assert status == 403, (path, status)


def test_instance_forms_image_actions_and_the_rule_editor(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    demo = {"cloud": "nimbus-demo"}
    image = cloud.openstack_json("image", "list", **demo)[0]["ID"]
    server = cloud.openstack_json("server", "create", "--image", image, "--flavor", "m1.nano",
                                  "--network", "private", "--wait", "formed", **demo)
    page = browser.get(f"/dashboard/project/instances/{server['id']}/")[1]
    assert 'data-action="resize"' in page and 'data-action="rebuild"' in page
    _act(browser, f"/dashboard/project/instances/{server['id']}/do/rename/", name="renamed")
    assert cloud.openstack_json("server", "show", server["id"], **demo)["name"] == "renamed"
    _act(browser, f"/dashboard/project/instances/{server['id']}/do/metadata/", key="role",
         value="web")
    assert cloud.openstack_json("server", "show", server["id"], **demo)["properties"] == {
        "role": "web"}
    # An administrator's action: compute's own refusal, on the form.
    status, text = _act(browser, f"/dashboard/project/instances/{server['id']}/do/migrate/")
    assert status == 403 and 'id="error-_"' in text
    _act(browser, f"/dashboard/project/instances/{server['id']}/do/snapshot/", name="snap-img")
    _wait(lambda: any(i["Name"] == "snap-img"
                      for i in cloud.openstack_json("image", "list", **demo)))
    # Images: edit, then delete from the row.
    snap = next(i for i in cloud.openstack_json("image", "list", **demo)
                if i["Name"] == "snap-img")
    _act(browser, f"/dashboard/project/images/{snap['ID']}/do/edit/", name="snap-renamed",
         min_disk="1")
    shown = cloud.openstack_json("image", "show", snap["ID"], **demo)
    assert shown["name"] == "snap-renamed" and shown["min_disk"] == 1
    listing = browser.get("/dashboard/project/images/")[1]
    action, fields = next(f for f in browser.forms(listing)
                          if f"{snap['ID']}/do/delete/" in f[0])
    assert browser.post(action, fields)[0] == 200
    assert all(i["ID"] != snap["ID"] for i in cloud.openstack_json("image", "list", **demo))
    # The rule editor: a rule added, listed, and deleted from its row.
    group = next(g for g in cloud.openstack_json("security group", "list", **demo)
                 if g["Name"] == "default")
    _act(browser, f"/dashboard/project/security_groups/{group['ID']}/do/add_rule/",
         protocol="udp", port_min="53", port_max="53", remote_ip_prefix="10.1.0.0/16")
    status, rules = browser.get(f"/dashboard/project/security_groups/{group['ID']}/rules/")
    assert status == 200 and "10.1.0.0/16" in rules
    row = rules[rules.index("10.1.0.0/16"):]
    action, fields = next(f for f in browser.forms(row) if "delete_rule" in f[0])
    status, after = browser.post(action, fields)
    assert status == 200 and "10.1.0.0/16" not in after and 'id="rules"' in after
    assert browser.get("/dashboard/project/ports/")[0] == 200


def test_administrators_manage_identity_and_compute_settings(cloud: CloudProcess) -> None:
    admin = Browser(cloud.url)
    admin.login("admin", admin_password(cloud))
    _act(admin, "/dashboard/identity/projects/do/create/", name="dash-proj")
    project = cloud.openstack_json("project", "show", "dash-proj")
    roles = {r["Name"]: r["ID"] for r in cloud.openstack_json("role", "list")}
    _act(admin, "/dashboard/identity/users/do/create/", name="dash-user",
         password="s3cret-pass", project=project["id"], role=roles["member"])
    newcomer = Browser(cloud.url)
    page = newcomer.login("dash-user", "s3cret-pass")
    assert "Project: dash-proj" in page
    _act(admin, "/dashboard/admin/flavors/do/create/", name="dash.flavor", vcpus="2",
         ram="256", disk="2")
    assert any(f["Name"] == "dash.flavor" for f in cloud.openstack_json("flavor", "list"))
    _act(admin, "/dashboard/admin/default_quotas/key_pairs/do/update/", limit="77")
    assert "77" in admin.get("/dashboard/admin/default_quotas/")[1]
    # The new project's own quotas, each service's set through its API; empty fields unchanged.
    status, _ = _act(admin, f"/dashboard/identity/projects/{project['id']}/do/quotas/",
                     instances="7", gigabytes="33", port="-1", ram="")
    assert status == 200
    def quotas() -> dict[str, int]:
        shown = cloud.openstack_json("quota", "show", project["id"])
        return {q["Resource"]: q["Limit"] for q in shown}

    found = quotas()
    assert found["instances"] == 7 and found["gigabytes"] == 33
    assert found["ports"] == -1 and found["ram"] > 0
    # A bad value is the service's own refusal beside its field, and nothing changes.
    status, page = _act(admin, f"/dashboard/identity/projects/{project['id']}/do/quotas/",
                        cores="-5")
    assert status == 400 and 'id="error-cores"' in page
    assert quotas()["cores"] == found["cores"]
    # A member reaches none of it, not even the forms.
    member = Browser(cloud.url)
    member.login("demo", demo_password(cloud))
    assert member.get("/dashboard/identity/projects/do/create/")[0] == 403
    status, _ = member.post("/dashboard/identity/projects/do/create/", {"name": "x"})
    assert status == 403


def test_hostile_input_is_never_a_server_error(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    page = browser.login("demo", demo_password(cloud))
    token = next(f for f in browser.forms(page) if f[0].endswith("/auth/logout/"))[1][
        "csrfmiddlewaretoken"]
    hostile = ["\x00", "%00", "a" * 70_000, "\ud800".encode("utf-8", "surrogatepass").decode(
        "latin-1"), "../../etc/passwd", "<script>x</script>", "-1", "99999999999999999999"]
    gets = ["/dashboard/project/instances/?marker={}", "/dashboard/project/volumes/?marker={}",
            "/dashboard/project/instances/{}/", "/dashboard/project/instances/rows/?ids={}",
            "/dashboard/project/containers/{}/browse/?prefix={}",
            "/dashboard/project/containers/x/download/?name={}",
            "/dashboard/project/security_groups/{}/rules/", "/dashboard/admin/{}/",
            "/dashboard/project/{}/"]
    posts = [("/dashboard/project/instances/launch/", ("name", "count", "flavor", "source")),
             ("/dashboard/project/volumes/do/create/", ("name", "size")),
             ("/dashboard/project/images/create/", ("name", "min_disk", "url")),
             ("/dashboard/project/instances/x/action/", ("action",)),
             ("/dashboard/auth/switch/x/", ("project",)),
             ("/dashboard/project/api_access/application_credentials/", ("name",))]
    for value in hostile:
        quoted = urllib.parse.quote(value, safe="")
        for path in gets:
            status, _ = browser.get(path.replace("{}", quoted))
            assert status < 500, (path, value[:20], status)
        for path, names in posts:
            fields = {"csrfmiddlewaretoken": token, **{n: value for n in names}}
            status, _ = browser.post(path, fields)
            assert status < 500, (path, value[:20], status)
    # Bodies that are not forms at all.
    for body in (b"\xff\xfe\x00garbage", b"=" * 100, b"a=%zz&b=%"):
        request = urllib.request.Request(f"{cloud.url}/dashboard/auth/login/", body)
        try:
            with browser.opener.open(request, timeout=30) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status < 500


def test_a_script_named_server_is_shown_escaped_everywhere(cloud: CloudProcess) -> None:
    hostile = "<script>alert(1)</script>"
    image = cloud.openstack_json("image", "list", cloud="nimbus-demo")[0]["ID"]
    server = cloud.openstack_json("server", "create", "--image", image, "--flavor", "m1.nano",
                                  "--network", "private", "--wait", hostile,
                                  cloud="nimbus-demo")
    volume = cloud.openstack_json("volume", "create", "--size", "1", hostile,
                                  cloud="nimbus-demo")
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    pages = ["/dashboard/project/instances/", f"/dashboard/project/instances/{server['id']}/",
             "/dashboard/project/network_topology/", "/dashboard/project/network_topology/svg/",
             "/dashboard/project/volumes/", f"/dashboard/project/volumes/{volume['id']}/do/"
             "attach/", "/dashboard/project/floating_ips/", "/dashboard/project/ports/"]
    for path in pages:
        status, text = browser.get(path)
        assert status == 200, path
        assert hostile not in text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get(pages[0])[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get(pages[5])[1]


STACK_TEMPLATE = """heat_template_version: 2018-08-31
description: made <from> the dashboard
parameters:
  word: {type: string}
resources:
  note:
    type: OS::Heat::TestResource
    properties: {value: {get_param: word}}
outputs:
  said: {value: {get_attr: [note, output]}, description: what the note holds}
"""


def test_stacks_launched_shown_checked_and_deleted(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    browser.login("demo", demo_password(cloud))
    status, page = browser.get("/dashboard/project/stacks/")
    assert status == 200 and 'id="stacks"' in page and "Launch Stack" in page
    # A template that does not parse is refused on the form with the service's words.
    status, refused = _act(browser, "/dashboard/project/stacks/do/launch/", name="broken",
                           template="heat_template_version: 2018-08-31\nresources: [\n")
    assert status == 400 and "Error parsing template" in refused
    status, _ = _act(browser, "/dashboard/project/stacks/do/launch/", name="dash-stack",
                     template=STACK_TEMPLATE, parameters="word=<hello>")
    assert status == 200
    _wait(lambda: cloud.openstack_json("stack", "show", "dash-stack", cloud="nimbus-demo")[
        "stack_status"] == "CREATE_COMPLETE")
    stack_id = cloud.openstack_json("stack", "show", "dash-stack", cloud="nimbus-demo")["id"]
    listing = browser.get("/dashboard/project/stacks/")[1]
    assert "dash-stack" in listing and "CREATE_COMPLETE" in listing
    status, detail = browser.get(f"/dashboard/project/stacks/{stack_id}/")
    assert status == 200 and 'id="stack-resources"' in detail
    # Every user string escaped: the description, the parameter and the output.
    assert "made &lt;from&gt; the dashboard" in detail and "&lt;hello&gt;" in detail
    assert "<hello>" not in detail and "OS::Heat::TestResource" in detail
    assert "Stack CREATE completed successfully" in detail
    action, fields = next(f for f in browser.forms(detail) if f[0].endswith("/do/check/"))
    assert browser.post(action, fields)[0] == 200
    _wait(lambda: cloud.openstack_json("stack", "show", "dash-stack", cloud="nimbus-demo")[
        "stack_status"] == "CHECK_COMPLETE")
    action, fields = next(f for f in browser.forms(detail) if f[0].endswith("/do/delete/"))
    assert browser.post(action, fields)[0] == 200
    _wait(lambda: cloud.openstack("stack", "show", "dash-stack", check=False,
                                  cloud="nimbus-demo").returncode != 0)
