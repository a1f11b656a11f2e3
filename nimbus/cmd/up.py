"""``nimbus up`` (everything in one process) and the scaled roles that share its code."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from nimbus.cmd.guards import Refused, StateDirLock, check_port
from nimbus.cmd.workers import ApiWorkers, listening_socket
from nimbus.cmd.workers import count as count_workers
from nimbus.conf.settings import Settings, load
from nimbus.core.errors import NimbusError
from nimbus.core.logs import configure_logging
from nimbus.core.memory import pause_collection, resume_collection

LOG = logging.getLogger("nimbus")
ALL_ROLES = {"api", "scheduler", "compute-agent", "network-agent", "volume-agent", "object-agent"}


def write_clouds_yaml(settings: Settings, secrets: dict[str, Any]) -> Path:
    auth_url = f"{settings.public_url}/identity/v3"

    def cloud(user: str, project: str, password: str) -> dict[str, Any]:
        return {
            "auth": {
                "auth_url": auth_url,
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": settings.region,
            "interface": "public",
            "identity_api_version": 3,
        }

    data = {
        "clouds": {
            "nimbus": cloud("admin", "admin", secrets["admin_password"]),
            "nimbus-demo": cloud("demo", "demo", secrets["demo_password"]),
        }
    }
    path = settings.state_dir / "clouds.yaml"
    # Where S3 clients (boto3, the aws CLI) go, and how they get keys: said where one looks.
    hint = (f"# S3 API: {settings.public_url}/object/s3 (catalog type s3); keys: "
            "openstack --os-cloud nimbus-demo ec2 credentials create\n")
    path.write_text(hint + yaml.safe_dump(data, sort_keys=False))
    path.chmod(0o600)
    if settings.state_dir == Path("~/.nimbus").expanduser().resolve():
        _merge_user_clouds(data["clouds"])
    # Where this cloud answers, and what backs it, for tools run later against the same
    # state dir (``nimbus tempest-config`` says what a real guest can do).
    (settings.state_dir / "endpoint.yaml").write_text(
        yaml.safe_dump({"host": settings.host, "port": settings.port,
                        "public_host": settings.public_host,
                        "compute_driver": settings.compute.driver,
                        "network_driver": settings.network.driver,
                        "volume_driver": settings.volume.driver}))
    return path


def _merge_user_clouds(clouds: dict[str, Any]) -> None:
    """The default cloud also goes into the user's own clouds.yaml, next to whatever else is
    there, so `openstack --os-cloud nimbus` works at once without any environment."""
    path = Path("~/.config/openstack/clouds.yaml").expanduser()
    try:
        current = yaml.safe_load(path.read_text()) if path.exists() else {}
        current = current if isinstance(current, dict) else {}
        current.setdefault("clouds", {}).update(clouds)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(current, sort_keys=False))
        path.chmod(0o600)
    except (OSError, yaml.YAMLError) as exc:
        LOG.warning("could not update %s: %s", path, exc)


def run(overrides: dict[str, Any], roles: set[str] | None = None, serve_api: bool = True,
        real: bool = False) -> int:
    started = time.monotonic()
    choices: list[str] = []
    if real:
        from nimbus.cmd import real as real_backends

        # A volume driver named in nimbus.yaml or the environment stays; --real says of it.
        configured = load(overrides).volume
        if configured.driver != "fake":
            overrides.setdefault("volume_driver", configured.driver)
        choices = real_backends.choose(overrides, configured.backend)
    embedded = roles is None
    settings = load(overrides)
    if settings.compute.guests_on_stop == "auto":
        # The whole cloud stopping is the machine's cloud going away: its guests go down
        # cleanly and come back with it; one agent stopping is a restart, its guests run on.
        settings.compute.guests_on_stop = "shutdown" if embedded else "keep"
    if settings.network.on_stop == "auto":
        settings.network.on_stop = "clean" if embedded else "keep"
    roles = roles or set(ALL_ROLES)
    # Only the all-in-one cloud owns its state dir: the processes of a scaled cloud share one
    # (secrets, keys) by design, and may run beside it.
    lock = StateDirLock(settings.state_dir)
    try:
        if embedded:
            lock.acquire()
        if serve_api:
            check_port(settings.host, settings.port)
    except Refused as exc:
        print(f"nimbus: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(settings, roles, serve_api, started, choices if real else None, overrides)
    finally:
        lock.release()


def _run(settings: Settings, roles: set[str], serve_api: bool, started: float,
         real: list[str] | None = None, overrides: dict[str, Any] | None = None) -> int:
    terminate = threading.Event()
    if not serve_api:
        # Installed first: a SIGTERM during start-up must still end in a clean stop.
        signal.signal(signal.SIGTERM, lambda *_: terminate.set())
    configure_logging(settings)
    pause_collection()
    from nimbus.core.cloud import Cloud

    cloud = Cloud(settings)
    if not settings.bus_url.startswith("memory"):
        cloud.bus.check()
    cloud.migrate()
    try:
        cloud.start()
    except NimbusError as exc:
        # A driver name that names nothing, say: the operator's mistake, told plainly.
        print(f"nimbus: {exc.message}", file=sys.stderr, flush=True)
        cloud.stop()
        return 1
    if "api" in roles:
        cloud.bootstrap()
    ready = threading.Event()
    stop = threading.Event()

    def start_workers() -> None:
        try:
            cloud.start_workers(roles)
        except NimbusError as exc:
            # A backend that cannot run here (QEMU missing, say) says so, without a traceback.
            LOG.error("starting workers failed: %s", exc.message)
            print(f"nimbus: {exc.message}", file=sys.stderr, flush=True)
            stop.set()
            return
        except Exception:
            LOG.exception("starting workers failed")
            stop.set()
            return
        ready.set()
        resume_collection()
        # What a first request would otherwise pay for (policy engines, schema validators).
        threading.Thread(target=cloud.warm, name="warm-up", daemon=True).start()
        LOG.info("ready in %.2fs", time.monotonic() - started)

    if not serve_api:
        start_workers()
        _announce(settings, cloud, roles, None)
        try:
            while not stop.is_set() and not terminate.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        cloud.stop()
        return 1 if stop.is_set() else 0

    from nimbus.core.api.app import build_app

    app = build_app(cloud, ready=ready.is_set)
    server = make_server(_uvicorn_config(app, settings))
    sock = listening_socket(settings.host, settings.port)
    extra = _ExtraWorkers(settings, cloud, overrides or {})
    # Only the process that serves identity writes clouds.yaml: an API process for other services
    # sharing the state dir must not point it at itself.
    clouds_yaml = (write_clouds_yaml(settings, cloud.secrets) if "identity" in cloud.runtimes
                   else None)

    def after_start() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.should_exit:
            return
        start_workers()
        if ready.is_set():
            extra.start()
            _announce(settings, cloud, roles, clouds_yaml, extra.count)
            if real is not None:
                print("  --real chose:", file=sys.stdout)
                for line in real:
                    print(f"    {line}", file=sys.stdout, flush=True)
                if "compute" in cloud.runtimes:
                    from nimbus.cmd import real as real_backends

                    real_backends.publish_guest_images(settings)
        else:
            server.should_exit = True

    threading.Thread(target=after_start, name="startup", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        extra.stop()
        cloud.stop()
    return 0 if not stop.is_set() else 1


def _uvicorn_config(app: Any, settings: Settings) -> Any:
    import uvicorn

    # Forwarded headers are not trusted: any local process could name any peer in them (a
    # temp URL's ip range checks the peer), and the cloud is reached directly.
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                          lifespan="off", access_log=False, timeout_keep_alive=30,
                          proxy_headers=False)


class _ExtraWorkers:
    """The API processes beside this one (``--workers``), and, in an embedded cloud, the bridge
    through which they reach its in-memory bus."""

    def __init__(self, settings: Settings, cloud: Any, overrides: dict[str, Any]) -> None:
        self.settings = settings
        self.cloud = cloud
        self.overrides = overrides
        self.count = count_workers(settings.workers)
        self._workers: ApiWorkers | None = None
        self._bridge: Any = None

    def start(self) -> None:
        if self.count <= 1:
            return
        bridge = ""
        if self.settings.bus_url.startswith("memory"):
            from nimbus.core.bus.bridge import BridgeServer, socket_path

            try:
                self._bridge = BridgeServer(self.cloud.bus,
                                            socket_path(self.settings.state_dir)).start()
            except (OSError, ValueError) as exc:
                LOG.warning("one API process only: the bus cannot be shared (%s)", exc)
                self.count = 1
                return
            bridge = str(self._bridge.path)
        self._workers = ApiWorkers(self.count - 1, self.overrides, bridge).start()

    def stop(self) -> None:
        if self._workers is not None:
            self._workers.stop()
        if self._bridge is not None:
            self._bridge.stop()


def run_api_worker(overrides: dict[str, Any], bridge: str) -> int:
    """One extra API process: the services' APIs on the shared port, and nothing else."""
    settings = load(overrides)
    settings.bus_bridge = bridge
    configure_logging(settings)
    pause_collection()
    from nimbus.core.api.app import build_app
    from nimbus.core.cloud import Cloud

    cloud = Cloud(settings)
    try:
        cloud.start()
        # The first process has bootstrapped; this fills in what the services learn from it.
        cloud.bootstrap()
        cloud.start_workers({"api-worker"})
    except Exception:
        LOG.exception("an API worker could not start")
        cloud.stop()
        return 1
    resume_collection()
    threading.Thread(target=cloud.warm, name="warm-up", daemon=True).start()
    server = make_server(_uvicorn_config(build_app(cloud), settings))
    sock = listening_socket(settings.host, settings.port)
    LOG.info("API worker %d serves %s", os.getpid(), settings.public_url)
    try:
        server.run(sockets=[sock])
    finally:
        cloud.stop()
    return 0


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGTERM after its shutdown, which would kill us before the cloud
        stops its workers and closes the database; here a signal only asks to exit."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


def make_server(config: Any) -> Any:
    return _server_class()(config)


def _announce(settings: Settings, cloud: Any, roles: set[str], clouds_yaml: Path | None,
              api_processes: int = 1) -> None:
    out = sys.stdout
    print(f"Nimbus is up at {settings.public_url} (roles: {', '.join(sorted(roles))})", file=out)
    if "api" in roles:
        print(f"  api processes: {api_processes} (--workers; default one per core)", file=out)
    print(f"  database: {cloud.db.url.render_as_string(hide_password=True)}", file=out)
    print(f"  bus:      {settings.bus_url.split('@')[-1]}", file=out)
    print("  backends (chosen by settings; defaults are the fake/file drivers, which need no "
          "privileges or extra packages):", file=out)
    for name, runtime in cloud.runtimes.items():
        summary = getattr(runtime.state, "backend_summary", None)
        if not summary:
            health = runtime.health()
            summary = ", ".join(f"{k} {v}" for k, v in health.items()
                                if k in ("driver", "store", "backend")) or "built in"
        print(f"    {name:10} {summary}", file=out)
    if clouds_yaml is not None:
        print(f"  clouds.yaml: {clouds_yaml}", file=out)
        print(f"  try: OS_CLIENT_CONFIG_FILE={clouds_yaml} openstack --os-cloud nimbus "
              "server list", file=out)
    if "object" in cloud.runtimes:
        print(f"  s3:     {settings.public_url}/object/s3 (keys: openstack ec2 credentials "
              "create)", file=out)
    print(f"  health: {settings.public_url}/health", file=out, flush=True)
