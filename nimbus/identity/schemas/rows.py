"""The row types that pass from a manager through an API handler to a view.

Handlers never query; they only hold what a manager returned until a view shapes it, and name
its type here (the views' own layer) rather than in the database package.
"""

from __future__ import annotations

from nimbus.identity.db.catalog_models import EndpointGroup, PolicyBlob
from nimbus.identity.db.models import (
    Credential,
    Group,
    OAuthConsumer,
    Project,
    RevocationEvent,
    Role,
    Trust,
    User,
)

__all__ = ["Credential", "EndpointGroup", "Group", "OAuthConsumer", "PolicyBlob", "Project",
           "RevocationEvent", "Role", "Trust", "User"]
