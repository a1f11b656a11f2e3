"""The dashboard's forms as it reads them: each field checked, and the first problem named."""

from __future__ import annotations

from dataclasses import dataclass

# Keystone's own limit on a user name (and a password is no longer than it allows).
MAX_NAME = 255
MAX_PASSWORD = 4096


@dataclass(frozen=True)
class LoginForm:
    username: str
    password: str
    domain: str
    region: str


def login_form(fields: dict[str, str], region: str) -> tuple[LoginForm, str]:
    """The login form, and what is wrong with it ("" when nothing)."""
    form = LoginForm(username=fields.get("username", "").strip(),
                     password=fields.get("password", ""),
                     domain=fields.get("domain", "").strip() or "Default",
                     region=fields.get("region", "").strip() or region)
    if not form.username:
        return form, "User Name: this field is required."
    if not form.password:
        return form, "Password: this field is required."
    if len(form.username) > MAX_NAME or len(form.domain) > MAX_NAME:
        return form, f"User Name and Domain: at most {MAX_NAME} characters."
    if len(form.password) > MAX_PASSWORD:
        return form, "Password: too long."
    if form.region != region:
        return form, f"Region: {form.region!r} is not a region of this cloud."
    return form, ""
