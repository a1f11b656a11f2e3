"""Names and fixed values the compute layers share."""

from __future__ import annotations

# The service user compute acts as when it calls the other services.
SERVICE_USER = "nova"
# Binaries in the service registry, as Nova names them in os-services.
AGENT_BINARY = "nova-compute"
SCHEDULER_BINARY = "nova-scheduler"
# The root disk of every guest; attached volumes take the next free /dev/vdX.
ROOT_DEVICE = "/dev/vda"
# The availability zone every host is in.
DEFAULT_ZONE = "nova"
