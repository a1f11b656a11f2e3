#!/usr/bin/env bash
# Install Nimbus and the openstack CLI into .venv and start the whole cloud in this process
# (`nimbus up`). Any options are passed to `nimbus up`, e.g. --state-dir, --port, --db-url,
# --real.
set -euo pipefail
# With --real, the system packages real guests need are installed too.
for arg in "$@"; do [ "$arg" = --real ] && export NIMBUS_REAL=1; done
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap-env.sh" cli
exec "$ROOT/.venv/bin/nimbus" up "$@"
