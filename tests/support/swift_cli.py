"""The unmodified `swift` CLI (python-swiftclient) run against a cloud in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.cloud_process import CloudProcess

SWIFT = Path(sys.executable).parent / "swift"


def swift(cloud: CloudProcess, *args: str, cloud_name: str = "nimbus-demo",
          timeout: float = 300) -> str:
    """``swift <args>`` as the demo user (credentials from the cloud's clouds.yaml); its
    stdout. A non-zero exit fails the test with what swift said."""
    auth = yaml.safe_load((cloud.state_dir / "clouds.yaml").read_text())["clouds"][cloud_name]
    creds = auth["auth"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ST_"))}
    env.update(OS_AUTH_URL=creds["auth_url"], OS_USERNAME=creds["username"],
               OS_PASSWORD=creds["password"], OS_PROJECT_NAME=creds["project_name"],
               OS_USER_DOMAIN_NAME=creds["user_domain_name"],
               OS_PROJECT_DOMAIN_NAME=creds["project_domain_name"], OS_AUTH_VERSION="3",
               OS_REGION_NAME=auth["region_name"])
    result = subprocess.run([str(SWIFT), *args], env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, f"swift {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout.strip()
