"""Numbers the object service's layers share (the database caps listings with the same limits
``GET /info`` advertises)."""

from __future__ import annotations

# Swift's default and largest ``limit`` of one account or container listing.
CONTAINER_LISTING_LIMIT = 10000
ACCOUNT_LISTING_LIMIT = 10000
# Accounts are ``AUTH_<project_id>``: the reseller prefix Swift's keystoneauth uses by default.
RESELLER_PREFIX = "AUTH_"
