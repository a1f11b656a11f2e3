"""The orchestration service's tables and the queries on them."""
