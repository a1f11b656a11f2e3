"""Account and container listings page by name in SQL: no query hands over more than a page.

Swift gives no next link: a client asks again with ``marker=<last name>`` until a page comes
back empty (as python-swiftclient's full listings do). Rows go in through the models, in one
transaction, so that 2,000 of them cost no API calls.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from nimbus.object.constants import CONTAINER_LISTING_LIMIT
from nimbus.object.db.listings import ListingQuery
from nimbus.object.db.models import Account, Container, Object
from nimbus.object.db.objects import name_hash
from tests.support.paging import counting_rows, walk
from tests.unit.object.conftest import account

PAGED = {
    ("GET", "/v1/{account}"),
    ("GET", "/v1/{account}/"),
    ("GET", "/v1/{account}/{container}"),
}
ROWS = 2000
LIMIT = 100
STAMP = "1700000000.00000"


class Listing:
    """A JSON listing (a bare array) under the one key ``walk`` reads."""

    def __init__(self, resp: Any) -> None:
        self.status_code = resp.status_code
        self.text = resp.text
        self._items = resp.json()

    def json(self) -> dict[str, Any]:
        return {"items": self._items}


def _names() -> list[str]:
    # Mixed widths and non-ASCII names: the order is by code point, not by insertion.
    names = [f"n-{i:04d}" if i % 3 else f"\u00e9t\u00e9-{i}" if i % 2 else f"\u2603/{i}"
             for i in range(ROWS)]
    random.Random(7).shuffle(names)
    return names


def _next_of(base: str) -> Callable[[dict[str, Any], str], str | None]:
    def next_of(body: dict[str, Any], collection: str) -> str | None:
        items = body[collection]
        if not items:
            return None
        return f"{base}?format=json&limit={LIMIT}&marker={quote(items[-1]['name'])}"

    return next_of


def _walk(cloud: Any, api: Any, base: str) -> list[str]:
    member = api.as_("member")
    with counting_rows(cloud.db.engine) as counter:
        items = walk(lambda url: Listing(member.get(url)), f"{base}?format=json&limit={LIMIT}",
                     "items", next_of=_next_of(base))
    assert counter.largest <= LIMIT + 1, counter.worst()
    return [item["name"] for item in items]


@pytest.mark.parametrize("path", ["/v1/{account}", "/v1/{account}/"])
def test_account_listing_pages_in_sql(make_cloud: Callable[..., Any], path: str) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    base = account()
    names = _names()
    with cloud.db.writer() as session:
        acct = Account(name=base.rsplit("/", 1)[-1], created_ts=STAMP, put_ts=STAMP, meta={})
        session.add(acct)
        session.flush()
        session.add_all([Container(account_id=acct.id, name=name, created_ts=STAMP,
                                   put_ts=STAMP, object_count=0, bytes_used=0, meta={})
                         for name in names])
    listed = _walk(cloud, api, path.replace("/v1/{account}", base))
    assert listed == sorted(names)
    assert len(set(listed)) == ROWS


def test_container_listing_pages_in_sql(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    base = account()
    assert api.as_("member").put(f"{base}/big").status_code == 201
    names = _names()
    with cloud.db.writer() as session:
        cont = session.query(Container).filter_by(name="big").one()
        session.add_all([Object(container_id=cont.id, name=name, name_hash=name_hash(name),
                                data_ts=STAMP, meta_ts=STAMP, etag="0" * 32, size=1,
                                content_type="application/octet-stream", meta={})
                         for name in names])
        cont.object_count = ROWS
    listed = _walk(cloud, api, f"{base}/big")
    assert listed == sorted(names)
    assert len(set(listed)) == ROWS


def test_a_listing_never_exceeds_swifts_limit() -> None:
    asked = ListingQuery(limit=CONTAINER_LISTING_LIMIT * 3, path="d")
    capped = asked.normalised(CONTAINER_LISTING_LIMIT)
    assert capped.limit == CONTAINER_LISTING_LIMIT
    assert (capped.prefix, capped.delimiter) == ("d/", "/")
