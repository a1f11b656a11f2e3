"""Static web sites (Swift's staticweb): a container served as a site to anonymous readers
(and to ``X-Web-Mode: true``), from its ``X-Container-Meta-Web-*`` metadata.

``Web-Index`` names the page served for a directory, ``Web-Error`` the suffix of the error
pages (``404error.html``), ``Web-Listings`` turns on HTML listings (``Web-Listings-CSS`` styles
them, ``Web-Listings-Label`` titles them) and ``Web-Directory-Type`` the content type of
directory markers. Access is still the container's read ACL (listings need ``.rlistings``).
"""

from __future__ import annotations

import html
from urllib.parse import quote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, NotFound
from nimbus.object.api import grants, objects
from nimbus.object.api.common import TEXT_HTML, View, authorize_in_container, reply, truthy
from nimbus.object.api.tempurl import GENERATOR
from nimbus.object.manager.records import ContainerInfo, ListingQuery
from nimbus.object.state import ObjectState

DIRECTORY_TYPE = "application/directory"


class Site:
    """A container's web settings."""

    def __init__(self, info: ContainerInfo) -> None:
        meta = info.meta
        self.index = meta.get("web-index", "").strip()
        self.error = meta.get("web-error", "").strip()
        self.listings = truthy(meta.get("web-listings"))
        self.css = meta.get("web-listings-css", "").strip()
        self.label = meta.get("web-listings-label", "").strip()
        self.dir_type = meta.get("web-directory-type", "").strip() or DIRECTORY_TYPE


def staticweb(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Serve GET/HEAD on a container or object as a web site when the caller is a browser."""
    account, container = req.params.get("account"), req.params.get("container")
    web_mode = truthy(req.headers.get("x-web-mode"))
    if req.method not in ("GET", "HEAD") or not account or not container or \
            (req.ctx.user_id is not None and not web_mode and not grants.active()):
        return call_next(req)
    try:
        info = req.svc.containers.container_info(account, container)
    except NotFound:
        return call_next(req)
    site = Site(info)
    obj = req.params.get("obj")
    if obj:
        response = _object(req, call_next, site, account, container, obj)
    else:
        response = _container(req, call_next, site, account, container, web_mode)
    if not grants.active() and GENERATOR in response.headers:
        del response.headers[GENERATOR]
    return response


def _container(req: ApiRequest[ObjectState], call_next: View, site: Site, account: str,
               container: str, web_mode: bool) -> Response:
    try:
        authorize_in_container(req, "object:container:get", account, container, "read", True)
    except NimbusError as err:
        return _error(req, site, account, container, err)
    if not site.listings and not site.index:
        if web_mode:
            return _error(req, site, account, container, NotFound(), custom=False)
        return call_next(req)
    if not req.path.endswith("/"):
        return _to_directory(req)
    if site.index:
        found = _serve(req, container, site.index)
        if found is not None:
            return found
    return _listing(req, site, account, container, "")


def _object(req: ApiRequest[ObjectState], call_next: View, site: Site, account: str,
            container: str, obj: str) -> Response:
    try:
        response = call_next(req)
        marker = response.headers.get("content-type") == site.dir_type and \
            int(response.headers.get("content-length") or 0) <= 1
        if not marker:
            return response
        status = 404
    except NimbusError as err:
        if err.code != 404:
            raise
        if not site.listings and not site.index:
            raise
        status = err.code
    if site.index:
        found = _serve(req, container, obj.rstrip("/") + "/" + site.index)
        if found is not None:
            return found if req.path.endswith("/") else _to_directory(req)
    if status == 404 and not req.path.endswith("/"):
        below = req.svc.containers.list_objects(
            account, container, ListingQuery(limit=1, prefix=obj + "/", delimiter="/"))
        if not below:
            return _error(req, site, account, container, NotFound())
        return _to_directory(req)
    return _listing(req, site, account, container, obj)


def _serve(req: ApiRequest[ObjectState], container: str, name: str) -> Response | None:
    """The object ``name`` as its own GET answers it, or None when there is none."""
    saved = dict(req.params)
    req.params.update(container=container, obj=name)
    try:
        return objects.read(req)
    except NotFound:
        return None
    finally:
        req.params.clear()
        req.params.update(saved)


def _to_directory(req: ApiRequest[ObjectState]) -> Response:
    location = req.host_url + quote(req.path + "/")
    return reply(301, {"Location": location})


def _error(req: ApiRequest[ObjectState], site: Site, account: str, container: str,
           err: NimbusError, custom: bool = True) -> Response:
    """The error, with the container's page for its status when it has one."""
    if custom and site.error:
        page = _serve(req, container, f"{err.code}{site.error}")
        if page is not None and page.status_code < 300:
            page.status_code = err.code
            return page
    raise err


def _listing(req: ApiRequest[ObjectState], site: Site, account: str, container: str,
             prefix: str) -> Response:
    label_path = req.path[len(req.prefix):] if req.prefix else req.path
    label = label_path
    if site.label:
        label = site.label + "/" + "/".join(label_path.split("/")[4:])
    css = _css_link(site, prefix)
    if not site.listings:
        page = (f"<!DOCTYPE html>\n<html>\n<head>\n<title>Listing of {html.escape(label)}"
                f"</title>\n{css}</head>\n<body>\n<h1>Web Listing Disabled</h1>\n"
                "<p>Listings of this site are turned off (X-Container-Meta-Web-Listings).</p>\n")
        if site.index:
            page += (f"<h1>Index File Not Found</h1>\n<p>The index page "
                     f"<b>{html.escape(site.index)}</b> is missing here.</p>\n")
        page += "</body>\n</html>\n"
        try:
            return _error(req, site, account, container, NotFound())
        except NotFound:
            return reply(404, body=page, content_type=TEXT_HTML)
    try:
        authorize_in_container(req, "object:container:get", account, container, "read", True)
    except NimbusError as err:
        return _error(req, site, account, container, err)
    items = req.svc.containers.list_objects(
        account, container, ListingQuery(limit=10000, prefix=prefix or None, delimiter="/"))
    if prefix and not items:
        return _error(req, site, account, container, NotFound())
    rows = []
    if prefix:
        rows.append(_row("parent", "../", "../", "&nbsp;", "&nbsp;"))
    for item in items:
        if "subdir" in item:
            shown = item["subdir"][len(prefix):]
            rows.append(_row("item subdir", _href(shown), html.escape(shown), "&nbsp;",
                             "&nbsp;"))
    for item in items:
        if "name" in item:
            shown = item["name"][len(prefix):]
            kinds = " ".join("type-" + html.escape(t.lower())
                             for t in item["content_type"].split("/"))
            when = html.escape(item["last_modified"]).split(".")[0].replace("T", " ")
            rows.append(_row(f"item {kinds}", _href(shown), html.escape(shown),
                             _human(item["bytes"]), when))
    page = (f"<!DOCTYPE html>\n<html>\n <head>\n  <title>Listing of {html.escape(label)}"
            f"</title>\n{css} </head>\n <body>\n"
            f"  <h1 id=\"title\">Listing of {html.escape(label)}</h1>\n"
            "  <table id=\"listing\">\n   <tr id=\"heading\">\n"
            "    <th class=\"colname\">Name</th>\n    <th class=\"colsize\">Size</th>\n"
            "    <th class=\"coldate\">Date</th>\n   </tr>\n"
            + "".join(rows) + "  </table>\n </body>\n</html>\n")
    headers = {GENERATOR: "staticweb"}
    if req.method == "HEAD":
        return reply(200, headers, content_type=TEXT_HTML, length=len(page.encode()))
    return reply(200, headers, page, content_type=TEXT_HTML)


def _css_link(site: Site, prefix: str) -> str:
    if not site.css:
        return ("  <style type=\"text/css\">\n   h1 {font-size: 1em; font-weight: bold;}\n"
                "   th {text-align: left; padding: 0px 1em 0px 1em;}\n"
                "   td {padding: 0px 1em 0px 1em;}\n   a {text-decoration: none;}\n"
                "  </style>\n")
    if site.css.startswith(("/", "http://", "https://")):
        href = quote(site.css, ":/")
    else:
        # Relative to the container, from however deep the listing is.
        href = "../" * prefix.count("/") + quote(site.css)
    return f"  <link rel=\"stylesheet\" type=\"text/css\" href=\"{href}\" />\n"


def _href(name: str) -> str:
    # Dots escaped too, so that a name like ``..`` never walks up.
    return "./" + quote(name).replace(".", "%2E")


def _row(kind: str, href: str, shown: str, size: str, when: str) -> str:
    ident = ' id="parent"' if kind == "parent" else ""
    css = "item" if kind == "parent" else kind
    return (f"   <tr{ident} class=\"{css}\">\n"
            f"    <td class=\"colname\"><a href=\"{href}\">{shown}</a></td>\n"
            f"    <td class=\"colsize\">{size}</td>\n"
            f"    <td class=\"coldate\">{when}</td>\n   </tr>\n")


def _human(size: int) -> str:
    """A byte count as people read it: 1023, 1Ki, 3.5Mi..."""
    value = float(size)
    for unit in ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi"):
        if value < 1024:
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}Yi"

