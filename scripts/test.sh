#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, unit, integration (real
# PostgreSQL, MariaDB and RabbitMQ), functional (the openstack CLI walk), tempest ratchet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap-env.sh" test
cd "$ROOT"
started=$SECONDS

echo "== lint and types"
.venv/bin/ruff check nimbus tests bench
.venv/bin/mypy nimbus

echo "== unit, integration and functional tests"
.venv/bin/python -m pytest -q -p no:cacheprovider -n 3 --dist loadscope tests/unit tests/integration tests/functional

echo "== tempest: the interop list plus all identity and image API tests; ratchet tests/interop/passing.txt"
.venv/bin/python tests/interop/run_tempest.py --flagged --require-ratchet \
  --also '^tempest\.api\.identity\.' --also '^tempest\.api\.image\.' \
  --also '^tempest\.scenario\.test_unified_limits\.'

echo "== all green in $((SECONDS - started))s"
