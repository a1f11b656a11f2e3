"""The request contract: declared schemas checked in the dispatcher, faults as plain text,
keyset paging, state machines, typed settings and /health."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Boolean, Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from nimbus.conf.settings import SettingsError, load
from nimbus.core.api import validation
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.paging import PAGING_QUERY
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.db.paging import PageQuery, page
from nimbus.core.errors import BadRequest
from nimbus.core.states import IllegalTransition, StateMachine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COVERS = [
    ("core", "request bodies and query parameters checked against declared schemas"),
    ("core", "keyset paging in SQL (sort keys, NULLs, reverse, unknown marker)"),
    ("core", "state machines: illegal transitions are 409 naming both states"),
    ("core", "typed settings: groups, flat names, environment, unknown names refused"),
    ("core", "/health is 503 until every service answers"),
]

THING = {"type": "object", "properties": {"thing": {
    "type": "object", "properties": {"name": {"type": "string", "maxLength": 5},
                                     "size": {"type": "integer", "minimum": 1}},
    "required": ["name"], "additionalProperties": False}}, "required": ["thing"]}
THING_2_5 = {"type": "object", "properties": {"thing": {
    "type": "object", "properties": {"name": {"type": "string"}, "colour": {"type": "string"}},
    "required": ["name"], "additionalProperties": False}}, "required": ["thing"]}


def _definition(style: str) -> ServiceDef[None]:
    router = Router()

    @router.post("/things", status=201, body=validation.versioned(("2.1", THING),
                                                                  ("2.5", THING_2_5)))
    def create(req: ApiRequest[None]) -> dict[str, Any]:
        req.enforce("thing:create")
        return {"thing": req.json["thing"]}

    @router.get("/things", query=validation.query(
        {**PAGING_QUERY, "deep": {"type": "boolean"}}))
    def index(req: ApiRequest[None]) -> dict[str, Any]:
        req.enforce("thing:create")
        return {"args": req.args}

    @router.get("/things/{thing_id}", params={
        "type": "object", "properties": {"thing_id": {"type": "string", "pattern": "^[a-z]+$"}}})
    def show(req: ApiRequest[None]) -> dict[str, Any]:
        req.enforce("thing:create")
        return {"id": req.params["thing_id"]}

    @router.get("/new", min_version="2.3")
    def new(req: ApiRequest[None]) -> dict[str, Any]:
        req.enforce("thing:create")
        return {}

    @router.get("/rude")
    def rude(req: ApiRequest[None]) -> dict[str, Any]:
        req.enforce("thing:nobody")
        return {}

    return ServiceDef(name="demo", service_type="demo", prefix="/demo", fault_style=style,
                      router=router, policy={"thing:create": "@", "thing:nobody": "!"},
                      microversion=MicroversionSpec("compute", "2.1", "2.10"),
                      has_db=False, start=lambda platform: None)


@pytest.fixture
def client_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Callable[[str], TestClient]:
    from nimbus.core import cloud as cloud_module
    from nimbus.core.api.app import build_app
    from tests.support.personas import fake_validator

    def make(style: str) -> TestClient:
        definition = _definition(style)
        monkeypatch.setattr(cloud_module, "service_definition", lambda name: definition)
        c = cloud_module.Cloud(load({"state_dir": str(tmp_path)}), services=["demo"])
        c.start()
        c.auth.use_local(fake_validator)
        return TestClient(build_app(c), raise_server_exceptions=False)

    return make


TOKEN = {"X-Auth-Token": "persona-member"}


def test_declared_body_is_checked_before_the_handler(client_for: Any) -> None:
    client = client_for("nova")
    ok = client.post("/demo/things", json={"thing": {"name": "a", "size": 2}}, headers=TOKEN)
    assert ok.status_code == 201
    long = client.post("/demo/things", json={"thing": {"name": "abcdefg"}}, headers=TOKEN)
    message = long.json()["badRequest"]["message"]
    assert long.status_code == 400
    assert message.startswith("Invalid input for field/attribute name. Value: abcdefg.")
    extra = client.post("/demo/things", json={"thing": {"name": "a", "x": 1}}, headers=TOKEN)
    assert "'x' was unexpected" in extra.json()["badRequest"]["message"]
    missing = client.post("/demo/things", json={"thing": {}}, headers=TOKEN)
    assert "'name' is a required property" in missing.json()["badRequest"]["message"]
    nested = client.post("/demo/things", content=b"[" * 50000, headers=TOKEN)
    assert nested.status_code == 400


def test_body_schema_follows_the_microversion(client_for: Any) -> None:
    client = client_for("nova")
    body = {"thing": {"name": "a", "colour": "red"}}
    assert client.post("/demo/things", json=body, headers=TOKEN).status_code == 400
    newer = {**TOKEN, "OpenStack-API-Version": "compute 2.5"}
    assert client.post("/demo/things", json=body, headers=newer).status_code == 201


def test_path_parameters_are_checked(client_for: Any) -> None:
    client = client_for("nova")
    assert client.get("/demo/things/abc", headers=TOKEN).json() == {"id": "abc"}
    bad = client.get("/demo/things/ABC", headers=TOKEN)
    assert bad.status_code == 400
    assert "thing_id" in bad.json()["badRequest"]["message"]


def test_routes_exist_only_in_their_microversions(client_for: Any) -> None:
    client = client_for("nova")
    assert client.get("/demo/new", headers=TOKEN).status_code == 404
    assert client.get("/demo/new", headers={**TOKEN, "OpenStack-API-Version":
                                           "compute 2.3"}).status_code == 200


def test_query_parameters_are_checked_and_converted(client_for: Any) -> None:
    client = client_for("keystone")
    resp = client.get("/demo/things?limit=5&deep=true&sort_key=a&sort_key=b&other=x",
                      headers=TOKEN)
    assert resp.json()["args"] == {"limit": 5, "deep": True, "sort_key": ["a", "b"]}
    bad = client.get("/demo/things?limit=many", headers=TOKEN)
    assert bad.status_code == 400 and "limit" in bad.json()["error"]["message"]
    assert client.get("/demo/things?limit=-1", headers=TOKEN).status_code == 400


def test_each_style_words_a_bad_body_its_own_way() -> None:
    for style, expected in [("keystone", "Invalid input for field 'thing.name'"),
                            ("nova", "Invalid input for field/attribute name"),
                            ("neutron", "Invalid input for name. Reason:"),
                            ("placement", "JSON does not validate:")]:
        with pytest.raises(BadRequest) as caught:
            validation.check({"thing": {"name": 5}}, THING, style)
        assert expected in caught.value.message, (style, caught.value.message)


def test_glance_faults_are_plain_text(client_for: Any) -> None:
    client = client_for("glance")
    html = client.get("/demo/rude", headers=TOKEN)
    assert html.status_code == 403 and html.headers["content-type"].startswith("text/html")
    assert "doesn't allow" in html.text and "&#" not in html.text
    as_json = client.get("/demo/rude", headers={**TOKEN, "Accept": "application/json"})
    assert as_json.json()["message"] == "Policy doesn't allow thing:nobody to be performed."
    plain = client.get("/demo/rude", headers={**TOKEN, "Accept": "text/plain"})
    assert plain.headers["content-type"].startswith("text/plain")
    assert "doesn't allow" in plain.text


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(8), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    flag: Mapped[bool] = mapped_column(Boolean)


COLUMNS = {"id": _Row.id, "name": _Row.name, "size": _Row.size, "flag": _Row.flag}


@pytest.fixture
def rows() -> Iterator[Session]:
    # Closed and disposed here: a connection left to the garbage collector is finalised on
    # whichever thread collects it, and SQLite logs an ERROR there, in some later test.
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    session = Session(engine)
    names = [None, "b", "a", None, "c", "a", "b", None]
    session.add_all(_Row(id=f"r{i}", name=n, size=i % 3, flag=i % 2 == 0)
                    for i, n in enumerate(names))
    session.commit()
    yield session
    session.close()
    engine.dispose()


def _all_pages(session: Session, sort: tuple[tuple[str, str], ...], limit: int,
               reverse: bool = False) -> list[str]:
    seen: list[str] = []
    marker = None
    for _ in range(20):
        got = page(session, select(_Row), PageQuery(limit, marker, sort, reverse),
                   columns=COLUMNS)
        seen.extend(r.id for r in got.items)
        if not got.more:
            return seen
        marker = got.items[-1].id
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", [(("name", "asc"),), (("name", "desc"),),
                                  (("size", "asc"), ("name", "desc")), (("flag", "desc"),), ()])
def test_keyset_pages_match_one_sorted_query(rows: Session, sort: Any) -> None:
    whole = page(rows, select(_Row), PageQuery(None, None, sort), columns=COLUMNS).items
    for limit in (1, 2, 3, 8):
        assert _all_pages(rows, sort, limit) == [r.id for r in whole]


def test_reverse_pages_and_unknown_markers(rows: Session) -> None:
    sort = (("name", "asc"),)
    whole = [r.id for r in page(rows, select(_Row), PageQuery(None, None, sort),
                                columns=COLUMNS).items]
    before = page(rows, select(_Row), PageQuery(2, whole[5], sort, reverse=True),
                  columns=COLUMNS)
    assert [r.id for r in before.items] == whole[3:5] and before.more
    with pytest.raises(BadRequest):
        page(rows, select(_Row), PageQuery(2, "nope", sort), columns=COLUMNS)
    with pytest.raises(BadRequest):
        page(rows, select(_Row), PageQuery(2, None, (("colour", "asc"),)), columns=COLUMNS)


def test_state_machine_refuses_undeclared_moves() -> None:
    machine = StateMachine("volume", "status", {
        "creating": {"available", "error"}, "available": {"deleting"}, "error": {"deleting"},
        "deleting": set()}, any_to=frozenset({"error"}))
    assert machine.check("creating", "available") == "available"
    assert machine.can("available", "error")
    with pytest.raises(IllegalTransition) as caught:
        machine.check("deleting", "available", "v1")
    assert caught.value.code == 409
    assert caught.value.message == "Cannot change volume v1 status from deleting to available."
    with pytest.raises(ValueError):
        StateMachine("x", "status", {"a": {"b"}})


def test_settings_groups_flat_names_and_environment(tmp_path: Any) -> None:
    (tmp_path / "nimbus.yaml").write_text("image:\n  size_cap: 10\nimage_strict_formats: true\n")
    settings = load({"state_dir": str(tmp_path), "fake_compute_hosts": 3},
                    environ={"NIMBUS_IMAGE_WEB_DOWNLOAD_ALLOW": "a.example,b.example",
                             "NIMBUS_TEST_SOMETHING": "ignored"})
    assert settings.image.size_cap == 10 and settings.image.strict_formats is True
    assert settings.compute.fake_hosts == 3
    assert settings.image.web_download_allow == ["a.example", "b.example"]
    with pytest.raises(SettingsError, match="image.sizecap"):
        load({"state_dir": str(tmp_path), "image_sizecap": 1}, environ={})
    with pytest.raises(SettingsError, match="must be a number"):
        load({"state_dir": str(tmp_path), "port": "eighty"}, environ={})


def test_health_waits_for_every_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from nimbus.core import cloud as cloud_module
    from nimbus.core.api.app import health_of

    state = {"broken": False}

    def health(_: Any) -> dict[str, Any]:
        if state["broken"]:
            raise RuntimeError("not answering")
        return {}

    definition = _definition("nova")
    definition.health = health
    monkeypatch.setattr(cloud_module, "service_definition", lambda name: definition)
    c = cloud_module.Cloud(load({"state_dir": str(tmp_path)}), services=["demo"])
    c.start()
    assert health_of(c, lambda: False)[0] == 503
    assert health_of(c, lambda: True)[0] == 200
    state["broken"] = True
    code, body = health_of(c, lambda: True)
    assert code == 503 and body["services"]["demo"]["status"] == "down"
    c.stop()
