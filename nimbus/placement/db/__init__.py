"""Placement's tables and migrations."""
