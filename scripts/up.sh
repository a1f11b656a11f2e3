#!/usr/bin/env bash
# Install Nimbus and the openstack CLI into .venv and start the whole cloud in this process
# (`nimbus up`). Any options are passed to `nimbus up`, e.g. --state-dir, --port, --db-url.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap-env.sh" cli
exec "$ROOT/.venv/bin/nimbus" up "$@"
