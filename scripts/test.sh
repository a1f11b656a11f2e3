#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, unit, integration (real
# PostgreSQL, MariaDB and RabbitMQ), functional (the openstack CLI walk), schemathesis,
# Placement's gabbits and the tempest ratchet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap-env.sh" test
cd "$ROOT"
started=$SECONDS
# Each stage's header says how long the run has taken so far: where CI's time goes.
stage() { echo "$1 [at $((SECONDS - started))s]"; }

stage "== lint and types"
.venv/bin/ruff check nimbus tests bench
.venv/bin/mypy nimbus

stage "== unit, integration and functional tests"
# The slowest tests are named at the end: where this stage's time goes.
.venv/bin/python -m pytest -q -p no:cacheprovider -n 3 --dist loadscope -m "not guests" \
  --durations=25 tests/unit tests/integration tests/functional

stage "== real guests, then the tempest scenario tests on real guests: beside the next three stages"
# A guest under TCG keeps one core busy and the fake-driver stages below mostly one more, so
# they share the machine's time rather than wait for each other; their results are said after
# them. The two real-guest stages run one after the other: two clouds of TCG guests at once
# would starve each other's guests of time to boot.
guests_log="$(mktemp)"
scenario_log="$(mktemp)"
(
  .venv/bin/python -m pytest -q -p no:cacheprovider -m guests --durations=15 tests/functional \
    >"$guests_log" 2>&1
  echo "$?" >"$guests_log.status"
  # The tempest scenario tests: real guests, SSH through floating IPs from the ext namespace;
  # ratchet tests/interop/scenario-passing.txt. The share CI has time for
  # (tests/interop/scenario-ci.txt); the whole named list runs with --regex
  # '^tempest\.scenario\.' and the same ratchet. The DHCP agent scheduler's API tests run here
  # too: they need the agents of real networks. Two compute hosts on this machine, each with
  # its own fabric, joined over VXLAN: the migration tests move guests between them.
  .venv/bin/python tests/interop/run_tempest.py --real --concurrency 2 \
    --set compute_fake_hosts=2 --ratchet tests/interop/scenario-passing.txt \
    --include-file tests/interop/scenario-ci.txt >"$scenario_log" 2>&1
  echo "$?" >"$scenario_log.status"
) &
real_pid=$!
# Stopped with the script (a later stage failed), the guest tests take SIGTERM as an interrupt
# and tear their cloud down (guests, dnsmasq, namespaces): wait for that before leaving.
trap '{ pkill -TERM -P "$real_pid" 2>/dev/null; wait "$real_pid"; } || true' EXIT

stage "== schemathesis: every service's /openapi.json fuzzed, no 5xx, no response outside it"
.venv/bin/python tests/interop/run_schemathesis.py --seconds 30

stage "== placement: the real Placement's own gabbi tests; ratchet tests/interop/placement-gabbit-misses.txt"
.venv/bin/python tests/interop/run_placement_gabbits.py --ratchet

stage "== tempest: the interop list (its orchestration tests are heat-tempest-plugin's) plus all identity, image, compute, network, volume and object-storage API tests and the dashboard's; ratchet tests/interop/passing.txt"
# The do_secure_hash=false location tests run only when the image service does not hash
# location data, so they get a second cloud with that setting. Two volume backends, for the
# multi-backend, retype and migration tests.
# Eight tests at once against four API processes on SQLite: the ratchet holds and no request
# gets a 5xx (the runner fails on one) however the processes interleave.
.venv/bin/python tests/interop/run_tempest.py --flagged --require-ratchet \
  --concurrency 8 --set workers=4 \
  --also '^tempest\.api\.identity\.' --also '^tempest\.api\.image\.' \
  --also '^tempest\.api\.compute\.' --set compute_fake_hosts=2 \
  --set 'volume_backends=[{"name": "fake-1", "driver": "fake"}, {"name": "fake-2", "driver": "fake"}]' \
  --also '^tempest\.scenario\.test_unified_limits\.' \
  --also '^tempest\.scenario\.test_network_qos_placement\.' \
  --also '^tempest\.scenario\.test_dashboard_basic_ops\.' \
  --also '^tempest\.api\.volume\.' \
  --also '^tempest\.api\.object_storage\.' \
  --also '^tempest\.api\.network\.' \
  --variant 'image_do_secure_hash=false:^tempest\.api\.image\.v2\.test_images\..*do_secure_hash_false'

stage "== real guests and tempest scenario: their results"
wait "$real_pid" || true
trap - EXIT
cat "$guests_log"
[ "$(cat "$guests_log.status" 2>/dev/null)" = 0 ] || { echo "the real-guest tests failed"; exit 1; }
cat "$scenario_log"
[ "$(cat "$scenario_log.status" 2>/dev/null)" = 0 ] || {
  echo "the tempest scenario stage failed"; exit 1; }

echo "== all green in $((SECONDS - started))s"
