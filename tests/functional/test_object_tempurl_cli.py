"""The unmodified `swift` CLI makes temporary URLs that plain HTTP clients use, against
`nimbus up`."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.cloud_process import CloudProcess

COVERS = [("object", "swift post -m Temp-URL-Key, swift upload, swift tempurl (GET, PUT, "
                     "--iso8601), the URL used without a token")]

pytestmark = pytest.mark.functional
SWIFT = Path(sys.executable).parent / "swift"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("object-tempurl") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def swift(cloud: CloudProcess, *args: str) -> str:
    auth = yaml.safe_load((cloud.state_dir / "clouds.yaml").read_text())["clouds"]["nimbus-demo"]
    creds = auth["auth"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ST_"))}
    env.update(OS_AUTH_URL=creds["auth_url"], OS_USERNAME=creds["username"],
               OS_PASSWORD=creds["password"], OS_PROJECT_NAME=creds["project_name"],
               OS_USER_DOMAIN_NAME=creds["user_domain_name"],
               OS_PROJECT_DOMAIN_NAME=creds["project_domain_name"], OS_AUTH_VERSION="3",
               OS_REGION_NAME=auth["region_name"])
    result = subprocess.run([str(SWIFT), *args], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, f"swift {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout.strip()


def test_tempurl_get_and_put(cloud: CloudProcess, tmp_path: Path) -> None:
    container, key = f"c-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello from swift")
    storage = swift(cloud, "auth").splitlines()
    url = next(line.split("=", 1)[1] for line in storage if "OS_STORAGE_URL" in line)
    base = urlsplit(url)
    swift(cloud, "post", "-m", f"Temp-URL-Key:{key}")
    swift(cloud, "upload", "--object-name", "hello.txt", container, str(source))

    # The storage URL's own path, as a client that read it from the catalog signs it.
    signed = swift(cloud, "tempurl", "GET", "600", f"{base.path}/{container}/hello.txt", key)
    with urllib.request.urlopen(f"{base.scheme}://{base.netloc}{signed}", timeout=30) as resp:
        assert resp.read() == b"hello from swift"
        assert resp.headers["Content-Disposition"].startswith("attachment;")

    # Swift's canonical /v1/... path, with an ISO 8601 expiry.
    mount = base.path[:base.path.index("/v1/")]
    account_path = base.path[len(mount):]
    signed = swift(cloud, "tempurl", "--iso8601", "PUT", "600",
                   f"{account_path}/{container}/up.txt", key)
    request = urllib.request.Request(f"{base.scheme}://{base.netloc}{mount}{signed}",
                                     data=b"uploaded", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 201
    assert swift(cloud, "download", "-o", "-", container, "up.txt") == "uploaded"

    # The GET URL does not allow a PUT, and a wrong key opens nothing.
    signed = swift(cloud, "tempurl", "GET", "600", f"{base.path}/{container}/hello.txt",
                   "wrong-key")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base.scheme}://{base.netloc}{signed}", timeout=30)
    assert refused.value.code == 401
