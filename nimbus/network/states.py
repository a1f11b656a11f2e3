"""The state machines of the network service's resources.

Only the statuses the service writes are declared: ports and floating IPs go DOWN and ACTIVE as
they are bound or associated; networks are ACTIVE from the start and stay so; a router is
ACTIVE, or ERROR while its agent cannot realise it.
"""

from __future__ import annotations

from nimbus.core.states import StateMachine
from nimbus.network.constants import ACTIVE, DOWN, ERROR

PORT_STATUS = StateMachine(
    "port", "status", {DOWN: {ACTIVE}, ACTIVE: {DOWN}},
    # Ports the service owns (network:*) start ACTIVE; the others DOWN until bound.
    initial=frozenset({DOWN, ACTIVE}),
)

FLOATINGIP_STATUS = StateMachine(
    "floatingip", "status", {DOWN: {ACTIVE}, ACTIVE: {DOWN}}, initial=frozenset({DOWN}),
)

NETWORK_STATUS = StateMachine("network", "status", {ACTIVE: set()},
                              initial=frozenset({ACTIVE}))

ROUTER_STATUS = StateMachine("router", "status", {ACTIVE: {ERROR}, ERROR: {ACTIVE}},
                             initial=frozenset({ACTIVE}))
