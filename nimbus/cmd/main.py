"""The ``nimbus`` command: up, serve, agent, manage, tempest-config."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", help="where state lives (default ~/.nimbus)")
    parser.add_argument("--db-url", help="SQLAlchemy URL (default: SQLite in the state dir)")
    parser.add_argument("--bus-url", help="kombu URL (default memory://)")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default 8700)")
    parser.add_argument("--public-host", help="host name clients use, when binding 0.0.0.0")


def _workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, metavar="N",
                        help="API processes sharing the port (default: one per core); "
                             "background work runs once, in the first")


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    keys = ["state_dir", "db_url", "bus_url", "host", "port", "public_host", "admin_password",
            "admin_password_file", "workers"]
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nimbus", description="OpenStack, rebuilt in Python.")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole cloud in this process")
    _common(up)
    _workers(up)
    up.add_argument("--admin-password-file", metavar="FILE",
                    help="file whose first line is the admin password (or set "
                         "NIMBUS_ADMIN_PASSWORD; generated when neither is given)")
    up.add_argument("--admin-password", help=argparse.SUPPRESS)
    up.add_argument("--compute-hosts", type=int,
                    help="compute hosts this machine plays (with --real, each with a network "
                    "fabric of its own, joined over VXLAN)")
    up.add_argument("--compute-driver", help="hypervisor driver: fake (default) or qemu")
    up.add_argument("--network-driver", help="data-plane driver: fake (default) or linux "
                                             "(bridges, taps, dnsmasq in namespaces; root)")
    up.add_argument("--real", action="store_true",
                    help="every real backend this machine supports (says what and why), and "
                         "the test guest image uploaded as nimbus-guest and nimbus-guest-alt")

    serve = sub.add_parser("serve", help="run one part of a scaled cloud")
    serve.add_argument("role", choices=["api", "scheduler"])
    _common(serve)
    _workers(serve)

    agent = sub.add_parser("agent", help="run an agent on this host")
    agent.add_argument("role", choices=["compute", "network", "volume", "object"])
    agent.add_argument("--compute-driver", help="hypervisor driver: fake (default) or qemu")
    agent.add_argument("--network-driver", help="data-plane driver: fake (default) or linux")
    agent.add_argument("--object-node", metavar="HOST:PORT",
                       help="object: serve the ring's devices of this storage node, listening "
                            "on that address")
    _common(agent)

    guest = sub.add_parser("guest-image", help="build (or find in its cache) the test guest "
                                               "image, from Debian packages")
    guest.add_argument("--cache", help="cache directory (default ~/.cache/nimbus/guest-image)")
    guest.add_argument("--force", action="store_true", help="build again even when cached")

    ssh = sub.add_parser("ssh", help="SSH into a server of the qemu driver on this machine")
    ssh.add_argument("server", help="server name or id")
    ssh.add_argument("-i", "--identity", help="private key file (ssh's -i)")
    ssh.add_argument("--user", default="root")
    ssh.add_argument("--state-dir", help="the cloud's state dir (default ~/.nimbus)")
    ssh.add_argument("--cloud", default="nimbus", help="clouds.yaml entry to look it up with")
    ssh.add_argument("remote", nargs="*", metavar="COMMAND",
                     help="command to run instead of a shell")

    netns = sub.add_parser("netns", help="run a command in the cloud's ext namespace, where "
                                         "floating IPs answer")
    netns.add_argument("action", choices=["exec"])
    netns.add_argument("--state-dir", help="the cloud's state dir (default ~/.nimbus)")
    netns.add_argument("netns_command", nargs=argparse.REMAINDER, metavar="-- COMMAND",
                       help="the command (default: a shell)")

    manage = sub.add_parser("manage", help="database and key administration")
    manage.add_argument("action", choices=["db-upgrade", "db-revision", "bootstrap",
                                           "fernet-rotate", "ring"])
    # ``nimbus manage ring create|add|rebalance|show|remove|set-weight ...``: its own parser.
    manage.add_argument("ring_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    manage.add_argument("--service", help="service whose migration branch to extend")
    manage.add_argument("-m", "--message", default="change", help="revision message")
    _common(manage)

    tempest = sub.add_parser("tempest-config", help="write tempest.conf for the running cloud")
    _common(tempest)
    tempest.add_argument("--output", "-o", help="file to write (default: stdout)")
    tempest.add_argument("--workspace", help="tempest workspace directory")
    tempest.add_argument("--http-image", help="URL of a small image the cloud may fetch "
                         "(tempest's [image] http_image)")
    tempest.add_argument("--http-qcow2-image", help="URL of a small qcow2 the cloud may fetch "
                         "(tempest's [image] http_qcow2_image)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from nimbus.conf.settings import SettingsError

    # Everything a cloud writes (its database, keys, images, objects, logs) is its owner's
    # alone; other local users must not read tenants' bytes or password hashes.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except SettingsError as exc:
        print(f"nimbus: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    if args.command == "up":
        from nimbus.cmd import up

        if args.compute_hosts:
            overrides["fake_compute_hosts"] = args.compute_hosts
        if args.compute_driver:
            overrides["compute_driver"] = args.compute_driver
        if args.network_driver:
            overrides["network_driver"] = args.network_driver
        return up.run(overrides, real=args.real)
    if args.command == "serve":
        from nimbus.cmd import up

        return up.run(overrides, roles={"api"} if args.role == "api" else {"scheduler"},
                      serve_api=args.role == "api")
    if args.command == "agent":
        from nimbus.cmd import up

        if args.compute_driver:
            overrides["compute_driver"] = args.compute_driver
        if args.network_driver:
            overrides["network_driver"] = args.network_driver
        if args.object_node:
            overrides["object_node"] = args.object_node
        return up.run(overrides, roles={f"{args.role}-agent"}, serve_api=False)
    if args.command == "guest-image":
        from pathlib import Path

        from nimbus.core.guestimage import build

        try:
            print(build.build(Path(args.cache) if args.cache else None, force=args.force))
        except build.BuildError as exc:
            print(f"nimbus: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "ssh":
        from nimbus.cmd import ssh

        return ssh.run(overrides, args.server, args.cloud, args.identity, args.user,
                       args.remote)
    if args.command == "netns":
        from nimbus.cmd import netns

        # The options before ``--`` are nimbus's, the rest the command's.
        command = list(args.netns_command)
        while command[:1] == ["--state-dir"] and len(command) > 1:
            overrides["state_dir"] = command[1]
            command = command[2:]
        if command[:1] == ["--"]:
            command = command[1:]
        return netns.run(overrides, command)
    if args.command == "manage":
        from nimbus.cmd import manage

        if args.action == "ring":
            return manage.ring(args.ring_args, overrides)
        return manage.run(args.action, overrides, args.service, args.message)
    if args.command == "tempest-config":
        from nimbus.cmd import tempest_config

        return tempest_config.run(overrides, args.output, args.workspace,
                                  {"http_image": args.http_image,
                                   "http_qcow2_image": args.http_qcow2_image})
    return 2


if __name__ == "__main__":
    sys.exit(main())
