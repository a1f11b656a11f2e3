"""Request schemas of the Orchestration API."""
