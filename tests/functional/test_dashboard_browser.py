"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): a user's first
session from sign-in to sign-out. Each step leaves a screenshot in
``test-artifacts/dashboard/``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cloud_process import BIN, CloudProcess

pytestmark = pytest.mark.functional

COVERS = [("dashboard", "real Chromium: sign in with the keyboard alone, skip link, launch "
                        "with the form and watch it turn ACTIVE without reloading, console "
                        "log, volume created and attached, floating IP allocated and "
                        "associated, image upload to 100%, container and file upload, the "
                        "server on the topology, clouds.yaml used by the CLI, sign out; a "
                        "screenshot per step")]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
# Long enough to be seen building, short enough for a test.
SPAWN_SECONDS = "6"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    proc = CloudProcess(tmp_path_factory.mktemp("dashboard-browser") / "state",
                        env={"NIMBUS_COMPUTE_FAKE_SPAWN_SECONDS": SPAWN_SECONDS}).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/bootstrap-env.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


class Steps:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.n = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.n:02d}-{name}.png"), full_page=True)


def test_a_users_first_session(cloud: CloudProcess, browser: Any, tmp_path: Path) -> None:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    steps = Steps(page)
    base = f"{cloud.url}/dashboard"

    # Sign in as the demo user, with the keyboard alone: the form starts in the user name,
    # Tab reaches the password, Enter sends it.
    page.goto(f"{base}/")
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("demo")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(secrets["demo_password"])
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Limit Summary")
    # The first Tab on a page reaches the link past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    steps.shot("signed-in")

    # Launch an instance with the form; it turns ACTIVE in the list without a reload.
    page.click("text=Instances")
    page.click("#launch")
    # Asking for more than the quota leaves room for disables every flavor at once.
    page.fill("#id_count", "500")
    assert page.locator("label:has-text('m1.nano') >> xpath=preceding-sibling::input"
                        ).is_disabled()
    page.fill("#id_count", "1")
    page.fill("#id_name", "browser-vm")
    page.select_option("#id_source", label="nimbus-test")
    page.check("label:has-text('m1.nano') >> xpath=preceding-sibling::input")
    page.check("label:has-text('private') >> xpath=preceding-sibling::input")
    steps.shot("launch-form")
    page.click("#launch-submit")
    row = page.locator("tr", has_text="browser-vm")
    row.locator("[data-field=status]").filter(has_text="BUILD").wait_for()
    page.evaluate("window.__sameDocument = true")
    steps.shot("building")
    row.locator("[data-field=status]").filter(has_text="ACTIVE").wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    steps.shot("active")
    row.locator("a", has_text="browser-vm").click()
    page.wait_for_selector("#console-log")
    steps.shot("console-log")

    # A volume, attached to it.
    page.goto(f"{base}/project/volumes/")
    page.click("#action-create")
    page.fill("#id_name", "browser-vol")
    page.fill("#id_size", "1")
    page.click("#action-submit")
    volume_row = page.locator("tr", has_text="browser-vol")
    _wait_for_text(page, f"{base}/project/volumes/", volume_row, "available")
    volume_row.locator("[data-action=attach]").click()
    page.select_option("#id_server", label="browser-vm")
    page.click("#action-submit")
    _wait_for_text(page, f"{base}/project/volumes/", volume_row, "in-use")
    steps.shot("volume-attached")

    # A floating IP, associated with the server's port.
    page.goto(f"{base}/project/floating_ips/")
    page.click("#action-allocate")
    page.click("#action-submit")
    address = page.locator("#shown dd pre").first.inner_text().strip()
    page.goto(f"{base}/project/floating_ips/")
    fip_row = page.locator("tr", has_text=address)
    fip_row.locator("[data-action=associate]").click()
    page.click("#action-submit")
    page.wait_for_selector(f"tr:has-text('{address}') >> text=10.0.0.")
    steps.shot("floating-ip")

    # An image upload, its progress bar reaching 100%.
    image = tmp_path / "disk.img"
    image.write_bytes(os.urandom(8 * 1024 * 1024))
    page.goto(f"{base}/project/images/create/")
    page.fill("#id_name", "browser-image")
    page.select_option("#id_disk_format", "raw")
    page.set_input_files("#id_file", str(image))
    with page.expect_navigation(url=re.compile(r".*/project/images/$")):
        page.click("#create-image")
        page.locator("#upload-status").filter(has_text="100% sent").wait_for()
        assert page.locator("#upload-progress").get_attribute("value") == "100"
        steps.shot("image-upload-100")
    steps.shot("image-uploaded")
    assert page.locator("tr", has_text="browser-image").count() == 1

    # A container, and a file uploaded into it.
    page.goto(f"{base}/project/containers/")
    page.click("#action-create")
    page.fill("#id_name", "browser-box")
    page.click("#action-submit")
    page.click("text=browser-box")
    note = tmp_path / "note.txt"
    note.write_text("kept in the object store\n")
    page.set_input_files("#id_upload", str(note))
    page.click("#upload-object")
    page.wait_for_selector("tr:has-text('note.txt')")
    steps.shot("object-uploaded")

    # The server on the topology picture.
    page.goto(f"{base}/project/network_topology/")
    page.wait_for_selector("#topology-svg g.server[data-name='browser-vm']")
    steps.shot("topology")

    # clouds.yaml, used by the unmodified CLI.
    page.goto(f"{base}/project/api_access/")
    with page.expect_download() as download:
        page.click("#download-clouds-yaml")
    clouds = tmp_path / "clouds.yaml"
    download.value.save_as(str(clouds))
    steps.shot("api-access")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds)
    listed = subprocess.run([str(BIN / "openstack"), "--os-cloud", "openstack",
                             f"--os-password={secrets['demo_password']}", "server", "list",
                             "-f", "value", "-c", "Name"], env=env, capture_output=True,
                            text=True, timeout=120, check=True)
    assert "browser-vm" in listed.stdout.split()

    # Sign out: the login form again, and the old session opens nothing.
    page.click("#logout")
    page.wait_for_selector("#id_username")
    steps.shot("signed-out")
    page.goto(f"{base}/project/instances/")
    assert page.locator("#id_username").count() == 1
    context.close()


def _wait_for_text(page: Any, url: str, row: Any, text: str) -> None:
    """Reload the list until the row shows ``text`` (volumes have no live rows yet)."""
    for _ in range(60):
        if row.count() and text in row.inner_text():
            return
        page.wait_for_timeout(1000)
        page.goto(url)
    raise AssertionError(f"the row never showed {text!r}")
