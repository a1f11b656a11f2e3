"""Object storage: ``OS::Swift::Container``, made in the account of the stack's project.

Every property names how the container is made, so any change replaces it. With
``PurgeOnDelete`` its objects are removed before it, a batch per poll; without, a container
that still holds objects is refused as Heat refuses it.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlparse

from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.schema import BOOLEAN, INTEGER, MAP, STRING, Attr, Prop
from nimbus.orchestration.resources.service_common import ServiceResource, failure

# Objects removed per poll while a container is purged.
PURGE_BATCH = 100


def _container(name: str) -> str:
    return "/" + quote(name, safe="")


def meta_headers(kind: str, meta: dict[str, Any] | None) -> dict[str, str]:
    """``{key: value}`` as ``X-Container-Meta-key`` (or ``X-Account-Meta-key``) headers."""
    return {f"X-{kind.title()}-Meta-{k}": str(v) for k, v in (meta or {}).items()}


class SwiftContainer(ServiceResource):
    TYPE = "OS::Swift::Container"
    DESCRIPTION = ("A resource for managing Swift containers. A container is a namespace for "
                   "objects: objects of the same name in two containers are two different "
                   "objects.")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Name of the container; a unique name is made when it is not "
                             "given."),
        "X-Container-Read": Prop(STRING, "The ACL of who may read the container's objects."),
        "X-Container-Write": Prop(STRING, "The ACL of who may write objects to the "
                                          "container."),
        "X-Container-Meta": Prop(MAP, "User-defined metadata of the container: each key sets "
                                      "the header X-Container-Meta-{key} to its value.",
                                 default={}),
        "X-Account-Meta": Prop(MAP, "User-defined metadata of the account: each key sets the "
                                    "header X-Account-Meta-{key} to its value.", default={}),
        "PurgeOnDelete": Prop(BOOLEAN, "If True, the container's objects are deleted with it; "
                                       "otherwise deleting a container that is not empty "
                                       "fails.", default=False),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "DomainName": Attr("The host of the container's URL.", STRING),
        "WebsiteURL": Attr("The URL of the container.", STRING),
        "RootURL": Attr("The URL the container is under.", STRING),
        "ObjectCount": Attr("The number of objects in the container.", INTEGER),
        "BytesUsed": Attr("The number of bytes the container's objects take.", INTEGER),
        "HeadContainer": Attr("Every header of the container, as a map.", MAP),
    }

    @property
    def objects(self) -> Any:
        return self.client("object")

    def create(self) -> None:
        props = self.properties
        name = self.name_or_default()
        headers = meta_headers("container", props.get("X-Container-Meta"))
        for key in ("X-Container-Read", "X-Container-Write"):
            if props.get(key) is not None:
                headers[key] = str(props[key])
        self.objects.put(_container(name), headers=headers)
        self.physical_id = name
        account = meta_headers("account", props.get("X-Account-Meta"))
        if account:
            self.objects.post("", headers=account)

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        raise UpdateReplace()

    def _names(self) -> list[str] | None:
        """Names of (a batch of) the container's objects; None when it is gone."""
        listed = self.objects.get(f"{_container(str(self.physical_id))}?format=json&limit="
                                  f"{PURGE_BATCH}", ok=(404,), headers={"Accept": "application/json"})
        if not isinstance(listed, list):
            # 204 (empty) and 404 (gone) both come back without a listing: ask which.
            return [] if self._head() is not None else None
        return [str(o["name"]) for o in listed if isinstance(o, dict) and "name" in o]

    def delete(self) -> None:
        if not self.physical_id:
            self.data["_deleted"] = True
            return
        names = self._names()
        if names and not self.properties.get("PurgeOnDelete"):
            raise failure("ResourceActionNotSupported",
                          f"Deleting non-empty container ({self.physical_id}) when "
                          "PurgeOnDelete is False is not supported for resource.")
        self.data["_deleted"] = False
        if names is None:
            self.data["_deleted"] = True

    def check_delete_complete(self) -> bool:
        if self.data.get("_deleted"):
            return True
        names = self._names()
        if names is None:
            return True
        if names:
            for name in names:
                self.objects.delete(f"{_container(str(self.physical_id))}/"
                                    f"{quote(name, safe='')}", ok=(404,))
            return False
        self.objects.delete(_container(str(self.physical_id)), ok=(404,))
        self.data["_deleted"] = True
        return True

    def _head(self) -> dict[str, str] | None:
        if not self.physical_id:
            return None
        resp = self.objects.request("HEAD", _container(self.physical_id), ok=(404,), stream=True)
        try:
            if resp.status_code == 404:
                return None
            return {str(k).lower(): str(v) for k, v in dict(resp.headers).items()}
        finally:
            resp.close()

    def _account_url(self) -> str:
        client = self.objects
        try:
            url = client.session.get_endpoint(service_type="object-store", interface="public",
                                              region_name=client.cloud.settings.region)
        except Exception:  # noqa: BLE001 - no endpoint: the URL attributes are unknown
            return ""
        return str(url or "").rstrip("/")

    def attribute(self, name: str) -> Any:
        if name == "show":
            return self.show()
        if name in ("DomainName", "WebsiteURL", "RootURL"):
            parsed = urlparse(self._account_url())
            if name == "DomainName":
                return parsed.netloc.split(":")[0]
            root = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
            return root if name == "RootURL" else f"{root}/{self.physical_id}"
        if name in ("ObjectCount", "BytesUsed", "HeadContainer"):
            headers = self._head()
            if headers is None:
                return None
            if name == "HeadContainer":
                return headers
            key = "x-container-object-count" if name == "ObjectCount" else \
                "x-container-bytes-used"
            value = headers.get(key)
            return int(value) if value is not None and value.isdigit() else value
        return None

    def show(self) -> Any:
        return self._head()

    def reference(self) -> Any:
        return None if self.physical_id is None else str(self.physical_id)

    def check(self) -> None:
        if self.physical_id and self._head() is None:
            raise failure("NotFound", f"Container {self.physical_id} could not be found.")


TYPES: tuple[type[Resource], ...] = (SwiftContainer,)
