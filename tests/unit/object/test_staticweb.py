"""Static web sites: index pages, listings (and their style sheet), error pages, web mode."""

from __future__ import annotations

from typing import Any

from tests.unit.object.conftest import account

COVERS = [("object", "staticweb: Web-Index, Web-Error, Web-Listings(-CSS), "
                     "Web-Directory-Type, for anonymous readers and X-Web-Mode")]

A = account()


def _site(member: Any, **meta: str) -> None:
    headers = {"X-Container-Read": ".r:*,.rlistings"}
    headers.update({f"X-Container-Meta-{k}": v for k, v in meta.items()})
    assert member.put(f"{A}/site", headers=headers).status_code == 201
    member.put(f"{A}/site/index.html", content=b"<h1>home</h1>",
               headers={"Content-Type": "text/html"})
    member.put(f"{A}/site/docs/index.html", content=b"docs home")
    member.put(f"{A}/site/files/a.txt", content=b"a")
    member.put(f"{A}/site/404error.html", content=b"nothing here")


def test_index_pages(swift: Any, member: Any) -> None:
    _site(member, **{"Web-Index": "index.html"})
    anonymous = swift.as_(None)
    redirect = anonymous.get(f"{A}/site", follow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["location"].endswith("/v1/" + A.split("/v1/")[1] + "/site/")
    assert anonymous.get(f"{A}/site/").content == b"<h1>home</h1>"
    assert anonymous.get(f"{A}/site/docs/").content == b"docs home"
    assert anonymous.get(f"{A}/site/docs", follow_redirects=False).status_code == 301
    # The owner with a token sees the API as always; X-Web-Mode asks for the site.
    assert member.get(f"{A}/site/", params={"format": "json"}).status_code == 200
    assert member.get(f"{A}/site/", headers={"X-Web-Mode": "true"}).content == \
        b"<h1>home</h1>"


def test_listings_css_and_error_pages(swift: Any, member: Any) -> None:
    _site(member, **{"Web-Listings": "true", "Web-Listings-CSS": "listings.css",
                     "Web-Error": "error.html"})
    anonymous = swift.as_(None)
    page = anonymous.get(f"{A}/site/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "x-backend-content-generator" not in page.headers
    assert '<link rel="stylesheet" type="text/css" href="listings.css" />' in page.text
    assert 'href="./docs/"' in page.text and "index%2Ehtml" in page.text
    deeper = anonymous.get(f"{A}/site/files/")
    assert 'href="../listings.css"' in deeper.text and "a%2Etxt" in deeper.text
    missing = anonymous.get(f"{A}/site/nothing")
    assert missing.status_code == 404
    assert missing.content == b"nothing here"


def test_directory_markers_and_private_containers(swift: Any, member: Any) -> None:
    _site(member, **{"Web-Listings": "true", "Web-Directory-Type": "text/directory"})
    member.put(f"{A}/site/dir", content=b"", headers={"Content-Type": "text/directory"})
    member.put(f"{A}/site/dir/x", content=b"x")
    anonymous = swift.as_(None)
    # The marker is a directory: its path leads to its listing.
    assert anonymous.get(f"{A}/site/dir", follow_redirects=False).status_code == 301
    assert "x</a>" in anonymous.get(f"{A}/site/dir/").text
    member.put(f"{A}/private", headers={"X-Container-Meta-Web-Listings": "true"})
    assert anonymous.get(f"{A}/private/").status_code == 401
    assert swift.as_("other").get(f"{A}/private/", headers={"X-Web-Mode": "t"}) \
        .status_code == 403


def test_info_section(swift: Any) -> None:
    assert swift.as_(None).get("/info").json()["staticweb"] == {}
