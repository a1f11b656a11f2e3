"""``nimbus manage ring``: build and change the object ring, as swift-ring-builder does.

The ring is ``<state_dir>/object.ring.json``; every process of the cloud reads it again when it
changes, so a rebalance takes effect everywhere and the replicators move the data.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from nimbus.conf.settings import load
from nimbus.core.errors import NimbusError
from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.ring import RING_FILE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nimbus manage ring",
                                description="Build and change the object ring.")
    p.add_argument("--state-dir", help="where the cloud's state lives (default ~/.nimbus)")
    sub = p.add_subparsers(dest="verb", required=True)
    create = sub.add_parser("create", help="a new, empty ring")
    create.add_argument("part_power", type=int, help="2 ** part_power partitions")
    create.add_argument("replicas", type=int)
    create.add_argument("min_part_hours", type=int, nargs="?",
                        default=ring_builder.DEFAULT_MIN_PART_HOURS,
                        help="hours before a partition may move again")
    create.add_argument("--force", action="store_true", help="replace an existing ring")
    add = sub.add_parser("add", help="add a device (it takes partitions at the next rebalance)")
    add.add_argument("name")
    add.add_argument("weight", type=float)
    add.add_argument("--zone", type=int, default=1)
    add.add_argument("--region", type=int, default=1)
    add.add_argument("--path", default="",
                     help="the device's directory (relative: under the state dir; default "
                          "objects/<name>)")
    add.add_argument("--node", default="", help="host:port of the storage node serving it")
    weight = sub.add_parser("set-weight", help="change a device's share of the partitions")
    weight.add_argument("device", help="name or id")
    weight.add_argument("weight", type=float)
    remove = sub.add_parser("remove", help="take a device out: its partitions move at the "
                                           "next rebalance, then it leaves the ring")
    remove.add_argument("device", help="name or id")
    sub.add_parser("rebalance", help="assign partitions, moving as few as possible")
    show = sub.add_parser("show", help="the ring, its devices and balance")
    show.add_argument("--json", action="store_true")
    return p


def run(argv: Sequence[str], overrides: dict[str, Any]) -> int:
    args = parser().parse_args(list(argv))
    if args.state_dir:
        overrides = {**overrides, "state_dir": args.state_dir}
    path = load(overrides).state_dir / RING_FILE
    try:
        return _run(args, path)
    except NimbusError as exc:
        print(f"nimbus: {exc}")
        return 1


def _run(args: argparse.Namespace, path: Any) -> int:
    if args.verb == "create":
        if path.exists() and not args.force:
            print(f"nimbus: {path} exists (--force replaces it, and with it every placement)")
            return 1
        ring_builder.create(args.part_power, args.replicas, args.min_part_hours).save(path)
        print(f"created {path}")
        return 0
    if not path.exists():
        print(f"nimbus: no ring at {path} (nimbus manage ring create, or start the cloud once)")
        return 1
    ring = ring_builder.load(path)
    if args.verb == "show":
        description = ring.describe()
        if args.json:
            print(json.dumps(description, indent=2))
        else:
            _print(description)
        return 0
    if args.verb == "add":
        # A local device without a path gets one beside the embedded ring's devices.
        where = args.path or ("" if args.node else f"objects/{args.name}")
        device = ring.add(args.name, args.weight, args.zone, args.region, where, args.node)
        print(f"device {device.id} ({device.name}) added; rebalance to give it partitions")
    elif args.verb == "set-weight":
        ring.find(args.device).weight = args.weight
        print("weight set; rebalance to move partitions")
    elif args.verb == "remove":
        ring.find(args.device).weight = 0.0
        print("device marked for removal; rebalance to move its partitions")
    elif args.verb == "rebalance":
        moved = ring.rebalance()
        print(f"reassigned {moved} partition replica(s); balance {ring.balance():.2f}%")
    ring.save(path)
    return 0


def _print(description: dict[str, Any]) -> None:
    print(f"{description['partitions']} partitions (power {description['part_power']}), "
          f"{description['replicas']} replicas, min_part_hours "
          f"{description['min_part_hours']}, balance {description['balance']:.2f}%")
    print(f"{'id':>4} {'region':>6} {'zone':>4} {'name':<12} {'weight':>8} {'parts':>6}  where")
    for d in description["devices"]:
        print(f"{d['id']:>4} {d['region']:>6} {d['zone']:>4} {d['name']:<12} "
              f"{d['weight']:>8.2f} {d['partitions']:>6}  {d['node'] or d['path']}")
