"""Names the orchestration service shares between its API and its engine."""

from __future__ import annotations

SERVICE_USER = "heat"
# The bus topic of the engine (heat-engine's).
ENGINE_TOPIC = "orchestration-engine"
# Below the service's prefix, the CloudFormation-compatible API; the catalog's
# ``cloudformation`` endpoint names it.
CFN_PATH = "/cfn/v1"
# The tag that hides a stack from lists unless ``show_hidden`` is asked (Heat's
# ``hidden_stack_tags`` default).
HIDDEN_TAGS = ("data-processing-cluster",)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
