#!/usr/bin/env python3
"""Fuzz every service's OpenAPI document with schemathesis, against a fresh cloud.

    .venv/bin/python tests/interop/run_schemathesis.py [--seconds 45] [--service compute ...]

Starts `nimbus up` in a temporary state dir, takes an admin token, and runs `schemathesis run`
on `<service root>/openapi.json` for each of the eight services (three at a time), each bounded
in time. It fails when schemathesis finds a 5xx, a status code the document does not declare,
or a fault body that breaks the declared fault schema, and when the cloud's own log shows any
5xx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.cloud_process import BIN, CloudProcess  # noqa: E402

SERVICES = {"identity": "/identity", "compute": "/compute", "placement": "/placement",
            "image": "/image", "network": "/network", "volume": "/volume", "object": "/object",
            "orchestration": "/orchestration"}
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance," \
         "response_schema_conformance"


def admin_token(cloud: CloudProcess) -> str:
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{cloud.url}/identity/v3", username="admin",
                       password=secrets["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return str(ks_session.Session(auth=auth).get_token())


def fuzz(cloud: CloudProcess, service: str, token: str, seconds: int, report: Path) -> bool:
    cmd = [str(BIN / "schemathesis"), "run", f"{cloud.url}{SERVICES[service]}/openapi.json",
           "--header", f"X-Auth-Token: {token}", "--checks", CHECKS,
           "--max-time", str(seconds), "--workers", "1", "--seed", "8",
           "--phases", "examples,coverage,fuzzing", "--max-examples", "20",
           "--request-timeout", "30", "--suppress-health-check", "all",
           "--report", "junit", "--report-junit-path", str(report / f"{service}.xml")]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.interop.schemathesis_hooks",
           "PYTHONPATH": str(ROOT)}
    log = report / f"{service}.log"
    with log.open("wb") as out:
        result = subprocess.run(cmd, cwd=report, env=env, timeout=seconds + 300, stdout=out,
                                stderr=subprocess.STDOUT)
    # Said whole once it is over: the services run side by side.
    print(f"== schemathesis: {service} ({seconds}s)\n{log.read_text(errors='replace')}",
          flush=True)
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=45, help="time budget per service")
    parser.add_argument("--service", action="append", choices=sorted(SERVICES),
                        help="only these services (default: all eight)")
    parser.add_argument("--parallel", type=int, default=3,
                        help="services fuzzed at once (each within its own time budget)")
    parser.add_argument("--keep", action="store_true", help="keep the state dir and reports")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nimbus-fuzz-"))
    state, report = work / "state", work / "reports"
    state.mkdir()
    report.mkdir()
    cloud = CloudProcess(state).start()
    failed: list[str] = []
    try:
        token = admin_token(cloud)
        services = args.service or list(SERVICES)
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            results = pool.map(lambda s: (s, fuzz(cloud, s, token, args.seconds, report)),
                               services)
            failed = [service for service, ok in results if not ok]
    finally:
        cloud.stop()
    errors = cloud.server_errors()
    for line in errors[:20]:
        print(f"5xx in the cloud's log: {line}")
    if failed or errors:
        print(f"schemathesis found problems in: {', '.join(failed) or 'the cloud log'}"
              f" (reports in {report})")
        return 1
    print("schemathesis: no 5xx and no response outside the documents")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
