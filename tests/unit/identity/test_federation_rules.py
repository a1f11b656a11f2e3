"""The mapping engine, table-driven: conditions, substitutions, users, groups and projects."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.core.errors import ValidationError
from nimbus.identity.manager.federation import rules
from nimbus.identity.schemas.federation import check_mapping

COVERS = [
    ("identity", "federation mapping engine (any_one_of/not_any_of/regex/whitelist/blacklist)"),
    ("identity", "federation mapping schema validation"),
]

USER0 = {"user": {"name": "{0}"}}
ASSERTION = {
    "UserName": "alice",
    "Email": "alice@example.com",
    "orgPersonType": "Contractor;Employee",
    "groups": "dev;ops;admins",
    "Shib-Identity-Provider": "https://idp.example.com",
}


def rule(local: list[dict[str, Any]], *remote: dict[str, Any]) -> dict[str, Any]:
    return {"local": local, "remote": list(remote)}


# (id, rules, assertion, expected user name or None for "no match", expected group names)
CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any], str | None, list[str]]] = [
    ("direct mapping", [rule([USER0], {"type": "UserName"})], ASSERTION, "alice", []),
    ("missing attribute fails the rule",
     [rule([USER0], {"type": "NoSuch"})], ASSERTION, None, []),
    ("any_one_of matches one value of many",
     [rule([USER0], {"type": "UserName"},
           {"type": "orgPersonType", "any_one_of": ["Employee"]})], ASSERTION, "alice", []),
    ("any_one_of without a hit",
     [rule([USER0], {"type": "UserName"},
           {"type": "orgPersonType", "any_one_of": ["Student"]})], ASSERTION, None, []),
    ("not_any_of with a hit rejects",
     [rule([USER0], {"type": "UserName"},
           {"type": "orgPersonType", "not_any_of": ["Contractor"]})], ASSERTION, None, []),
    ("not_any_of without a hit accepts",
     [rule([USER0], {"type": "UserName"},
           {"type": "orgPersonType", "not_any_of": ["Student"]})], ASSERTION, "alice", []),
    ("regex any_one_of",
     [rule([USER0], {"type": "UserName"},
           {"type": "Email", "any_one_of": [r".*@example\.com$"], "regex": True})],
     ASSERTION, "alice", []),
    ("regex not_any_of",
     [rule([USER0], {"type": "UserName"},
           {"type": "Email", "not_any_of": [r"@example\.com$"], "regex": True})],
     ASSERTION, None, []),
    ("literal any_one_of is not a regex",
     [rule([USER0], {"type": "UserName"},
           {"type": "Email", "any_one_of": [".*"]})], ASSERTION, None, []),
    ("whitelist keeps only listed groups",
     [rule([USER0, {"groups": "{1}", "domain": {"id": "default"}}],
           {"type": "UserName"}, {"type": "groups", "whitelist": ["dev", "qa"]})],
     ASSERTION, "alice", ["dev"]),
    ("blacklist drops listed groups",
     [rule([USER0, {"groups": "{1}", "domain": {"id": "default"}}],
           {"type": "UserName"}, {"type": "groups", "blacklist": ["admins"]})],
     ASSERTION, "alice", ["dev", "ops"]),
    ("regex whitelist",
     [rule([USER0, {"groups": "{1}", "domain": {"id": "default"}}],
           {"type": "UserName"}, {"type": "groups", "whitelist": ["^d"], "regex": True})],
     ASSERTION, "alice", ["dev"]),
    ("whitelist emptying the list gives no groups, still a user",
     [rule([USER0, {"groups": "{1}", "domain": {"id": "default"}}],
           {"type": "UserName"}, {"type": "groups", "whitelist": ["nope"]})],
     ASSERTION, "alice", []),
    ("substitution inside a string",
     [rule([{"user": {"name": "fed-{0}@{1}"}}], {"type": "UserName"}, {"type": "Email"})],
     ASSERTION, "fed-alice@alice@example.com", []),
    ("first user wins across rules",
     [rule([{"user": {"name": "first"}}], {"type": "UserName"}),
      rule([{"user": {"name": "second"}}], {"type": "Email"})], ASSERTION, "first", []),
    ("groups accumulate across rules",
     [rule([USER0], {"type": "UserName"}),
      rule([{"group": {"name": "g1", "domain": {"name": "Default"}}}],
           {"type": "orgPersonType", "any_one_of": ["Employee"]}),
      rule([{"group": {"name": "g2", "domain": {"id": "default"}}}],
           {"type": "orgPersonType", "any_one_of": ["Student"]}),
      rule([{"group": {"name": "g3", "domain": {"id": "default"}}}], {"type": "Email"})],
     ASSERTION, "alice", ["g1", "g3"]),
    ("header names match case- and dash-insensitively",
     [rule([USER0], {"type": "USERNAME"}, {"type": "shib_identity_provider"})],
     ASSERTION, "alice", []),
    ("JSON groups from the assertion carry their own domain",
     [rule([USER0, {"groups": "{1}", "domain": {"id": "default"}}],
           {"type": "UserName"}, {"type": "jsongroups"})],
     {**ASSERTION, "jsongroups": 'JSON:{"name": "x", "domain": {"id": "d"}};plain'},
     "alice", ["x", "plain"]),
    ("a rule with only groups and no user fails",
     [rule([{"group": {"id": "abc"}}], {"type": "UserName"})], ASSERTION, None, []),
]


@pytest.mark.parametrize("rules_, assertion, user, groups", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_engine(rules_: list[dict[str, Any]], assertion: dict[str, Any], user: str | None,
                groups: list[str]) -> None:
    check_mapping({"rules": rules_})
    if user is None:
        with pytest.raises(rules.MappingFailed):
            rules.process(rules_, assertion)
        return
    mapped = rules.process(rules_, assertion)
    assert mapped.user["name"] == user
    assert [g["name"] for g in mapped.group_names] == groups


def test_user_type_ids_projects_and_group_ids() -> None:
    mapping = [rule([
        {"user": {"name": "{0}", "type": "local", "domain": {"name": "Default"}}},
        {"group": {"id": "g-admin"}},
        {"group_ids": "{1}"},
        {"projects": [{"name": "Production-{0}", "roles": [{"name": "member"}]},
                      {"name": "Sandbox", "roles": [{"name": "reader"}]}]},
    ], {"type": "UserName"}, {"type": "ids"})]
    check_mapping({"rules": mapping})
    mapped = rules.process(mapping, {"UserName": "bob", "ids": "a;b;a"})
    assert mapped.user_type == rules.LOCAL
    assert mapped.user["domain"] == {"name": "Default"}
    assert mapped.group_ids == ["g-admin", "a", "b"]
    assert [p["name"] for p in mapped.projects] == ["Production-bob", "Sandbox"]


def test_default_type_is_ephemeral_and_claims_lists_work() -> None:
    mapping = [rule([{"user": {"name": "{0}", "email": "{1}"}},
                     {"groups": "{2}", "domain": {"id": "default"}}],
                    {"type": "sub"}, {"type": "email"}, {"type": "groups"})]
    mapped = rules.process(mapping, {"sub": "u1", "email": "u1@x", "groups": ["a", "b"],
                                     "email_verified": True})
    assert mapped.user_type == rules.EPHEMERAL
    assert mapped.user["email"] == "u1@x"
    assert [g["name"] for g in mapped.group_names] == ["a", "b"]


def test_multi_valued_user_name_is_refused() -> None:
    mapping = [rule([USER0], {"type": "groups"})]
    with pytest.raises(rules.MappingFailed):
        rules.process(mapping, ASSERTION)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("no rules", {}, "rules"),
    ("empty rules", {"rules": []}, "rules"),
    ("rule without remote", {"rules": [{"local": [USER0]}]}, "remote"),
    ("unknown local key", {"rules": [rule([{"usr": {}}], {"type": "a"})]}, "rules.0.local.0"),
    ("unknown remote key", {"rules": [rule([USER0], {"type": "a", "one_of": []})]},
     "rules.0.remote.0"),
    ("bad user type", {"rules": [rule([{"user": {"name": "x", "type": "weird"}}],
                                      {"type": "a"})]}, "rules.0.local.0.user.type"),
    ("two conditions", {"rules": [rule([USER0], {"type": "a", "any_one_of": ["x"],
                                                  "not_any_of": ["y"]})]}, "rules.0.remote.0"),
    ("regex without condition", {"rules": [rule([USER0], {"type": "a", "regex": True})]},
     "rules.0.remote.0"),
    ("broken regex", {"rules": [rule([USER0], {"type": "a", "any_one_of": ["("],
                                               "regex": True})]}, "rules.0.remote.0"),
    ("placeholder beyond the matches",
     {"rules": [rule([{"user": {"name": "{1}"}}], {"type": "a"})]}, "rules.0.local"),
    ("any_one_of yields no placeholder",
     {"rules": [rule([USER0], {"type": "a", "any_one_of": ["x"]})]}, "rules.0.local"),
    ("groups without domain", {"rules": [rule([{"groups": "{0}"}], {"type": "a"})]},
     "rules.0.local.0"),
    ("group with name but no domain", {"rules": [rule([{"group": {"name": "g"}}],
                                                      {"type": "a"})]}, "rules.0.local.0.group"),
    ("project without roles", {"rules": [rule([{"projects": [{"name": "p"}]}], {"type": "a"})]},
     "rules.0.local.0.projects.0"),
    ("bad schema version", {"rules": [rule([USER0], {"type": "a"})], "schema_version": "9"},
     "schema_version"),
]


@pytest.mark.parametrize("body, field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_schema_rejects(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_mapping(body)
    assert field in str(info.value)


def test_token_payload_federation_round_trip(tmp_path: Any) -> None:
    import datetime as dt

    import msgpack

    from nimbus.identity.manager.fernet import KeyRepository, TokenPayload, decode, encode

    repo = KeyRepository(tmp_path / "keys")
    repo.initialise()
    when = dt.datetime(2030, 1, 1)
    plain = TokenPayload("u", ["password"], when, ["a"])
    assert decode(repo, encode(repo, plain)).federation is None
    fed = {"idp": "idp", "protocol": "saml2", "groups": ["g1", "g2"]}
    plain.federation = fed
    assert decode(repo, encode(repo, plain)).federation == fed
    # Elements other features append, before or after ours, do not disturb it.
    body = [1, "u", ["saml2"], 1.0e9, ["a"], "unscoped", None, None, None, 1.0e9, "extra",
            {"fed": ["idp", "saml2", ["g"]]}, ["more"]]
    token = repo.fernet().encrypt(msgpack.packb(body)).decode().rstrip("=")
    assert decode(repo, token).federation == {"idp": "idp", "protocol": "saml2", "groups": ["g"]}
