"""The compute service's tables and migrations."""
