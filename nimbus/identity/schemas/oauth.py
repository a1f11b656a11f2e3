"""Request schemas of OAuth consumers (OS-OAUTH1)."""

from __future__ import annotations

from nimbus.core.api.validation import Schema, string
from nimbus.identity.schemas.requests import wrap

# A member that may not be given at all.
_REFUSED: Schema = {"not": {}}
# The server makes a consumer's id and secret; a body naming them is refused.
_CONSUMER_CREATE: Schema = {
    "type": "object",
    "properties": {"description": string(4096, nullable=True), "id": _REFUSED, "secret": _REFUSED},
    "additionalProperties": True,
}
# The id may be repeated (it must be the consumer's own); the secret never changes.
_CONSUMER_UPDATE: Schema = {
    "type": "object",
    "properties": {"description": string(4096, nullable=True), "id": string(64),
                   "secret": _REFUSED},
    "additionalProperties": True,
}
CONSUMER_CREATE_BODY = wrap("consumer", _CONSUMER_CREATE)
CONSUMER_UPDATE_BODY = wrap("consumer", _CONSUMER_UPDATE)
