#!/usr/bin/env python3
"""Run the real Placement's own API tests (its gabbi YAML files) against a fresh `nimbus up`.

    python tests/interop/run_placement_gabbits.py [--only REGEX] [--keep] [-v]

It installs gabbi into .venv-gabbi when missing, takes the gabbit files from the published
openstack-placement sdist of the pinned release (downloaded once, checked against its sha256,
kept next to the venv), starts a cloud that runs only identity and placement in a scratch state
directory, and runs every file against it, printing the passes and failures of each file and the
reason of every miss.

Only what must differ from Placement's own test set-up is changed, with gabbi's own means:
- the base URL: gabbi's ``url`` (the service's ``/placement`` prefix; links Placement writes
  relative to its root carry that prefix, so an expected ``href`` starting with ``/`` gets it);
- the auth header: Placement's tests run under ``noauth2``, where ``x-auth-token: admin`` or
  ``user`` plus ``x-roles``/``x-project-id``/``openstack-system-scope`` headers say who calls.
  Each such caller becomes a real user with those roles on a real project (or on the system),
  and the header becomes ``$ENVIRON['GABBI_TOKEN_n']``, holding that user's token;
- the fixtures: Placement's fixture classes write straight into its database. The ones in
  ``placement_fixtures`` have the same names and build the same providers, inventories, traits, aggregates and
  allocations through the API, after emptying placement, so each file starts from nothing as it
  does upstream. ``OpenPolicyFixture`` opens every placement rule for the file through the
  operator policy file, as upstream's fixture does through its policy fixture.

The same file runs itself under .venv-gabbi (``--inner``) to drive gabbi.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import placement_fixtures
from placement_fixtures import SEED, Api

# The same start-up and log checks as the tempest runner's.
from run_tempest import free_port, server_errors, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
# The gabbit tests known to fail here, one ``file::test name`` a line (``--update`` writes it).
KNOWN_MISSES = Path(__file__).resolve().parent / "placement-gabbit-misses.txt"
VENV = ROOT / ".venv-gabbi"
GABBI_VERSION = "4.2.3"
PLACEMENT_VERSION = "13.0.0"
SDIST = f"openstack_placement-{PLACEMENT_VERSION}.tar.gz"
SDIST_SHA256 = "7a04779a3b2c03409d5fbe7ec1202dd030f816dc394b0e99708d66036cdbcaaf"
INDEX = "https://pypi.org/simple/openstack-placement/"

# Files not run, and why. Each is a difference of set-up, not of the API.
SKIPPED: dict[str, str] = {
    "cors.yaml": "needs the CORS middleware switched on for one file (CORSFixture); the cloud "
                 "under test has no per-file CORS setting",
    "non-cors.yaml": "checks that CORS is off, the pair of cors.yaml",
}



# -- outer: venv, sdist, cloud ---------------------------------------------------------------

def venv() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "gabbi-run").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"gabbi=={GABBI_VERSION}"],
                       check=True)
    return python


def gabbits() -> Path:
    """The release's gabbit directory, from its sdist on PyPI (fetched once)."""
    target = VENV / f"placement-{PLACEMENT_VERSION}-gabbits"
    if target.is_dir() and any(target.glob("*.yaml")):
        return target
    with urllib.request.urlopen(INDEX, timeout=120) as resp:
        page = resp.read().decode()
    match = re.search(r'href="([^"#]*/' + re.escape(SDIST) + r')#sha256=([0-9a-f]+)"', page)
    if not match or match.group(2) != SDIST_SHA256:
        raise SystemExit(f"{SDIST} with the pinned sha256 is not on the index")
    with urllib.request.urlopen(match.group(1), timeout=300) as resp:
        data = resp.read()
    if hashlib.sha256(data).hexdigest() != SDIST_SHA256:
        raise SystemExit(f"{SDIST} does not match its pinned sha256")
    target.mkdir(parents=True, exist_ok=True)
    marker = "/placement/tests/functional/gabbits/"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if marker in member.name and member.name.endswith(".yaml") and member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                (target / member.name.rsplit("/", 1)[1]).write_bytes(extracted.read())
    return target


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run only the gabbit files whose name matches this regex")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--ratchet", action="store_true",
                        help=f"fail only on misses not listed in {KNOWN_MISSES.name} (CI)")
    parser.add_argument("--update", action="store_true",
                        help=f"write this run's misses to {KNOWN_MISSES.name}")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each test")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args)

    python = venv()
    source = gabbits()
    work = Path(tempfile.mkdtemp(prefix="nimbus-gabbits-"))
    state = work / "state"
    (state / "policy").mkdir(parents=True)
    # Present from the start, so that the policy engine watches it (OpenPolicyFixture).
    (state / "policy" / "placement.yaml").write_text("{}\n")
    (state / "nimbus.yaml").write_text(json.dumps({"services": "identity,placement"}) + "\n")
    port = free_port()
    nimbus = ROOT / ".venv" / "bin" / "nimbus"
    cmd = [str(nimbus) if nimbus.exists() else "nimbus", "up", "--state-dir", str(state),
           "--port", str(port)]
    up = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    out = work / "results.json"
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", up)
        run = [str(python), __file__, "--inner", "--url", f"http://127.0.0.1:{port}",
               "--state", str(state), "--dir", str(source), "--out", str(out)]
        if args.only:
            run += ["--only", args.only]
        if args.verbose:
            run.append("-v")
        subprocess.run(run, check=False)
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=30)
    if not out.exists():
        print(f"the gabbi run left no results; details kept in {work}")
        return 1
    results = json.loads(out.read_text())
    passed = failed = 0
    missed: list[str] = []
    for name, result in results.items():
        if "skipped" in result:
            print(f"SKIP {name}: {result['skipped']}")
            continue
        ok, misses = result["passed"], result["failed"]
        passed += ok
        failed += len(misses)
        print(f"{'PASS' if not misses else 'FAIL'} {name}: {ok} passed, {len(misses)} failed")
        for test, reason in misses:
            print(f"    {test}: {reason}")
            missed.append(f"{name}::{test}")
    errors = server_errors(state / "nimbus.log")
    files = sum(1 for r in results.values() if "skipped" not in r)
    clean = sum(1 for r in results.values() if "skipped" not in r and not r["failed"])
    print(f"gabbits: {files} files run ({clean} all passing), {passed} tests passed, "
          f"{failed} failed, {len(results) - files} files skipped")
    if errors:
        print(f"SERVER ERRORS: {len(errors)} requests answered 5xx:" +
              "".join(f"\n  {e}" for e in errors[:20]))
    if args.keep or errors:
        print(f"details kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if args.update and not args.only:
        KNOWN_MISSES.write_text("".join(f"{m}\n" for m in sorted(set(missed))))
    if args.ratchet:
        # The ratchet: what passed once must keep passing; known misses are listed with their
        # reasons in the run's output (and in the file, by name).
        known = set(KNOWN_MISSES.read_text().splitlines()) if KNOWN_MISSES.exists() else set()
        new = sorted(set(missed) - known)
        for miss in new:
            print(f"NEWLY FAILING: {miss}")
        return 1 if new or errors else 0
    return 1 if failed or errors else 0


# -- inner: the API client, callers, fixtures, gabbi ---------------------------------------

class Callers:
    """Real users and tokens for the callers Placement's tests name in headers."""

    PROJECT_VARS = ("PROJECT_ID", "PROJECT_ID_ALT", "ADMIN_PROJECT_ID", "SERVICE_PROJECT_ID")

    def __init__(self, url: str, state: Path) -> None:
        self.identity = Api(f"{url}/identity/v3")
        clouds = _read_yaml(state / "clouds.yaml")
        auth = clouds["clouds"]["nimbus"]["auth"]
        self.admin_token = self._token(auth["username"], auth["password"], "admin")
        self.identity.token = self.admin_token
        self.roles = {r["name"]: r["id"] for r in self.identity.call("GET", "/roles")["roles"]}
        for name in ("admin", "member", "reader", "service", "gabbi_none"):
            if name not in self.roles:
                made = self.identity.call("POST", "/roles", {"role": {"name": name}})
                self.roles[name] = made["role"]["id"]
        self.projects: dict[str, str] = {}
        self.tokens: dict[tuple[Any, ...], str] = {}
        for var in self.PROJECT_VARS:
            os.environ[var] = self.project(var.lower())

    def _token(self, user: str, password: str, project: str | None,
               system: bool = False) -> str:
        scope: dict[str, Any] = {"system": {"all": True}} if system else (
            {"project": {"name": project, "domain": {"id": "default"}}} if user == "admin"
            else {"project": {"id": project}})
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"id": "default"}}}},
            "scope": scope}}
        token, _ = self.identity.call("POST", "/auth/tokens", body, token="")
        return str(token)

    def project(self, key: str) -> str:
        if key == "admin":
            key = "gabbi-admin-alias"
        if key not in self.projects:
            name = f"gabbi-{key}"
            found = self.identity.call("GET", f"/projects?name={name}")["projects"]
            made = found[0] if found else self.identity.call(
                "POST", "/projects", {"project": {"name": name, "domain_id": "default"}})["project"]
            self.projects[key] = made["id"]
        return self.projects[key]

    def token_for(self, user: str, roles: tuple[str, ...], project: str | None,
                  system: bool) -> str:
        key = (user, roles, project, system)
        if key in self.tokens:
            return self.tokens[key]
        if user == "admin" and roles == ("admin",) and not system and project == "admin":
            self.tokens[key] = self.admin_token
            return self.admin_token
        name = "gabbi-" + uuid.uuid4().hex[:12]
        password = uuid.uuid4().hex
        made = self.identity.call("POST", "/users", {"user": {
            "name": name, "password": password, "domain_id": "default"}})["user"]
        target = "/system" if system else f"/projects/{self.project(project or user)}"
        for role in roles or ("gabbi_none",):
            role_id = self.roles.get(role) or self._role(role)
            self.identity.call("PUT", f"{target}/users/{made['id']}/roles/{role_id}")
        self.tokens[key] = self._token(name, password,
                                       None if system else self.project(project or user), system)
        return self.tokens[key]

    def _role(self, name: str) -> str:
        made = self.identity.call("POST", "/roles", {"role": {"name": name}})
        self.roles[name] = made["role"]["id"]
        return str(made["role"]["id"])


def _read_yaml(path: Path) -> Any:
    import yaml
    return yaml.safe_load(path.read_text())


_ENV_REF = re.compile(r"^\$ENVIRON\['(\w+)'\]$")


def caller_token(callers: Callers, headers: dict[str, Any]) -> str | None:
    """The token for the caller noauth2 would make of these headers (None: no token sent)."""
    token = headers.get("x-auth-token")
    if token is None:
        return None
    user, _sep, project = str(token).partition(":")
    project = project or user
    if "x-roles" in headers:
        roles = tuple(r for r in str(headers["x-roles"]).split(",") if r)
    else:
        roles = ("admin",) if user == "admin" else ()
    system = bool(headers.get("openstack-system-scope"))
    if "x-project-id" in headers:
        raw = str(headers["x-project-id"])
        ref = _ENV_REF.match(raw)
        project = ref.group(1).lower() if ref else raw
    return callers.token_for(user, roles, None if system else project, system)


def rewrite(suite: dict[str, Any], callers: Callers, prefix: str) -> dict[str, Any]:
    """Real tokens for the noauth2 callers, and the prefix on expected link hrefs."""
    defaults = suite.setdefault("defaults", {})
    base_headers = {k.lower(): v for k, v in (defaults.get("request_headers") or {}).items()}
    defaults["request_headers"] = dict(base_headers)
    if base_headers.get("x-auth-token") is not None:
        defaults["request_headers"]["x-auth-token"] = _token_ref(
            caller_token(callers, base_headers))
    tests = []
    for raw_test in suite.get("tests", []):
        test = dict(raw_test)
        own = {k.lower(): v for k, v in (test.get("request_headers") or {}).items()}
        merged = {**base_headers, **own}
        token = caller_token(callers, merged)
        if token is not None:
            own["x-auth-token"] = _token_ref(token)
        test["request_headers"] = own
        paths = test.get("response_json_paths")
        if isinstance(paths, dict):
            test["response_json_paths"] = {
                k: (prefix + v if ".href" in k and isinstance(v, str) and v.startswith("/")
                    else v) for k, v in paths.items()}
        tests.append(test)
    suite["tests"] = tests
    return suite


_TOKEN_VARS: dict[str, str] = {}


def _token_ref(token: str | None) -> str:
    assert token is not None
    if token not in _TOKEN_VARS:
        var = f"GABBI_TOKEN_{len(_TOKEN_VARS)}"
        os.environ[var] = token
        _TOKEN_VARS[token] = var
    return f"$ENVIRON['{_TOKEN_VARS[token]}']"


def inner(args: argparse.Namespace) -> int:
    import unittest

    from gabbi import handlers, suitemaker, utils

    state = Path(args.state)
    callers = Callers(args.url, state)
    SEED.api = Api(args.url + "/placement")
    SEED.api.token = callers.admin_token
    SEED.policy_file = state / "policy" / "placement.yaml"
    fixture_module = placement_fixtures
    handler_objects = [h() for h in handlers.RESPONSE_HANDLERS]
    results: dict[str, Any] = {}
    for path in sorted(Path(args.dir).glob("*.yaml")):
        name = path.name
        if args.only and not re.search(args.only, name):
            continue
        if name in SKIPPED:
            results[name] = {"skipped": SKIPPED[name]}
            continue
        suite_dict = rewrite(utils.load_yaml(yaml_file=str(path), safe=True), callers,
                             "/placement")
        host, port, prefix, _ssl = utils.host_info_from_target(args.url + "/placement")
        file_suite = suitemaker.test_suite_from_dict(
            unittest.TestLoader(), path.stem, suite_dict, str(path.parent), host, port,
            fixture_module, None, prefix=prefix, test_loader_name="gabbits",
            handlers=handler_objects)
        result = unittest.TestResult()
        file_suite.run(result)
        misses = [(_test_name(t), _reason(tb)) for t, tb in result.failures + result.errors]
        total = result.testsRun
        results[name] = {"passed": total - len(misses) - len(result.skipped), "failed": misses}
        if args.verbose:
            print(f"{name}: {total - len(misses)}/{total}", flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


def _test_name(test: Any) -> str:
    name = str(getattr(test, "test_data", {}).get("name", "")) or test.id()
    return name


def _reason(traceback_text: str) -> str:
    """The assertion of a failed test, on one line: what was expected and what came."""
    lines = [ln.strip() for ln in traceback_text.strip().splitlines() if ln.strip()]
    key_error = next((ln for ln in lines if ln.startswith("KeyError:")), None)
    if key_error is not None and "During handling" in traceback_text:
        return f"missing header {key_error.split(':', 1)[1].strip()}"
    for index, line in enumerate(lines):
        if re.match(r"^[\w.]*(Error|Exception|Failure)\b", line) and not line.startswith(
                "Traceback"):
            text = " ".join(lines[index:])
            text = re.sub(r"\s+", " ", text)
            text = re.sub(r'"request_id": "[^"]*",? ?', "", text)
            return text[:500]
    return " ".join(lines[-2:])[:500]


if __name__ == "__main__":
    if "--inner" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
