"""The Orchestration API v1 (Heat's), under ``/v1/{tenant_id}``."""
