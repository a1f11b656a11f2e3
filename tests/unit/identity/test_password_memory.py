"""Passwords proven right are recognised again without the KDF; sign-ins are not writes."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.identity.manager import passwords
from nimbus.identity.manager.passwords import VerifiedPasswords, hash_password
from tests.unit.identity.conftest import Keystone

COVERS = [("identity", "password checks: a right password recognised again without the KDF; "
                       "a sign-in writes nothing unless lockout or the day of activity changes")]


@pytest.fixture
def kdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = passwords.verify_password

    def counted(password: str, encoded: str | None) -> bool:
        calls.append(password)
        return real(password, encoded)

    monkeypatch.setattr(passwords, "verify_password", counted)
    return calls


def test_a_right_password_pays_the_kdf_once_and_a_wrong_one_every_time(
        kdf_calls: list[str]) -> None:
    stored = hash_password("right-1", cost=10)
    memory = VerifiedPasswords(seconds=60)
    assert memory.check("right-1", stored) and memory.check("right-1", stored)
    assert kdf_calls == ["right-1"]
    for _ in range(3):
        assert not memory.check("wrong-1", stored)
    assert kdf_calls == ["right-1"] + ["wrong-1"] * 3
    # A new password is a new hash: what was proven of the old one does not carry over.
    renewed = hash_password("right-1", cost=10)
    assert memory.check("right-1", renewed)
    assert len(kdf_calls) == 5
    # Switched off, every check pays.
    off = VerifiedPasswords(seconds=0)
    assert off.check("right-1", stored) and off.check("right-1", stored)
    assert len(kdf_calls) == 7


def test_entries_end_with_their_lifetime(kdf_calls: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("right-2", cost=10)
    memory = VerifiedPasswords(seconds=30)
    clock = [1000.0]
    monkeypatch.setattr(passwords.time, "monotonic", lambda: clock[0])
    assert memory.check("right-2", stored)
    clock[0] += 31
    assert memory.check("right-2", stored)
    assert kdf_calls == ["right-2", "right-2"]


def test_signing_in_again_moves_no_identity_generation(keystone: Keystone) -> None:
    tokens: Any = keystone.cloud.runtimes["identity"].state.tokens
    keystone.admin()  # the first of the day records the day of activity
    before = tokens.bodies.generation.value
    for _ in range(3):
        keystone.admin()
    assert tokens.bodies.generation.value == before


def test_lockout_still_counts_wrong_passwords(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("POST", "/users", admin, json={"user": {
        "name": "locky", "password": "locky-pass-1"}})
    assert resp.status_code == 201

    def sign_in(password: str) -> Any:
        return keystone.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
            "methods": ["password"], "password": {"user": {
                "name": "locky", "domain": {"name": "Default"}, "password": password}}}}})

    # Proven right once (and so remembered), then two failures lock the account (the
    # default): the remembered password does not get past the lock.
    assert sign_in("locky-pass-1").status_code == 201
    for _ in range(2):
        assert sign_in("not-it").status_code == 401
    resp = sign_in("locky-pass-1")
    assert resp.status_code == 401 and "locked" in resp.text
