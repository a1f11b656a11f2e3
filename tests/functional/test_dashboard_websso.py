"""Signing in to the dashboard through an identity provider (WebSSO), as Horizon does it: the
login form sends the browser to identity's WebSSO URL; the provider's front-end (simulated here
by the assertion headers a SAML or OIDC module would set) signs the user in; identity's page
posts the token back to the dashboard, which scopes it to the user's project."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import yaml

from tests.functional.test_dashboard import Browser
from tests.support.cloud_process import CloudProcess
from tests.unit.identity.federation_helpers import (
    MAPPING,
    IdpKey,
    assertion_headers,
    federation_settings,
)

pytestmark = pytest.mark.functional
COVERS = [("dashboard", "WebSSO: the login form's provider choice, identity's WebSSO page, the "
                        "token posted back and scoped; an untrusted origin is refused")]
KEY = IdpKey("RS256")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("websso") / "state"
    state.mkdir()
    (state / "nimbus.yaml").write_text(yaml.safe_dump({
        "federation": federation_settings(KEY),
        "dashboard": {"websso_choices": [{"id": "test_saml", "label": "Test SSO",
                                          "idp": "testidp", "protocol": "saml2"}]}}))
    proc = CloudProcess(state).start()
    try:
        rules = state.parent / "rules.json"
        rules.write_text(json.dumps(MAPPING["rules"]))
        proc.openstack("group", "create", "staff")
        proc.openstack("project", "create", "fedproj")
        proc.openstack("role", "add", "--group", "staff", "--project", "fedproj", "member")
        proc.openstack("mapping", "create", "--rules", str(rules), "saml")
        proc.openstack("identity", "provider", "create", "--remote-id",
                       "https://saml.test.example", "--enable", "testidp")
        proc.openstack("federation", "protocol", "create", "--identity-provider", "testidp",
                       "--mapping", "saml", "saml2")
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def test_websso_sign_in(cloud: CloudProcess) -> None:
    browser = Browser(cloud.url)
    status, page = browser.get("/dashboard/")
    assert status == 200 and 'value="test_saml"' in page
    action, fields = browser.forms(page)[0]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.jar),
                                         NoRedirect)
    request = urllib.request.Request(cloud.url + action, urllib.parse.urlencode(
        {**fields, "auth_type": "test_saml"}).encode())
    with pytest.raises(urllib.error.HTTPError) as sent:
        opener.open(request, timeout=30)
    target = sent.value.headers["Location"]
    assert sent.value.code == 303 and "/protocols/saml2/websso?origin=" in target
    # The provider's front-end signs carol in; identity's page carries the token back.
    handed = urllib.request.Request(target, headers=assertion_headers("carol"))
    with urllib.request.urlopen(handed, timeout=30) as resp:
        sso = resp.read().decode()
    form = re.search(r'action="([^"]+)"', sso)
    token = re.search(r'name="token" id="token" value="([^"]+)"', sso)
    assert form is not None and token is not None
    assert form.group(1) == f"{cloud.url}/dashboard/auth/websso/"
    status, page = browser.post("/dashboard/auth/websso/", {"token": token.group(1)})
    assert status == 200 and "Overview" in page and "Project: fedproj" in page
    # An origin identity does not trust gets no token.
    bad = target.split("?origin=")[0] + "?origin=https%3A%2F%2Fevil.example%2F"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(bad, headers=assertion_headers("carol")),
                               timeout=30)
    assert refused.value.code == 401
    # A token identity does not know signs nobody in.
    status, page = Browser(cloud.url).post("/dashboard/auth/websso/", {"token": "forged"})
    assert status == 401 and "id_username" in page
