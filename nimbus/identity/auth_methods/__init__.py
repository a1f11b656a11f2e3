"""v3 auth methods; importing this package registers the built-in ones."""

from nimbus.identity.auth_methods import (
    application_credential,
    mapped,
    openid,
    password,
    token,
    totp,
)
from nimbus.identity.auth_methods.base import METHODS, AuthMethod, AuthResult

__all__ = ["METHODS", "AuthMethod", "AuthResult", "application_credential", "mapped", "openid",
           "password", "token", "totp"]
