"""Service flavors (Neutron's ``flavors``) and router flavors (``l3-flavors``).

An operator describes how a service may be provided: a flavor names the service type and
stands for the service profiles associated with it; a profile names the provider driver that
serves it (and free-form ``metainfo`` for that driver). Everyone may read flavors to choose
one; only admins make them, and profiles are admins' alone.

Routers are the one service here that takes a flavor. A router made with one keeps it for life
and is checked as Neutron's L3 driver controller checks it: the flavor exists, is a routers'
flavor and is enabled, and its first profile is enabled and names a provider of routers. Every
provider is this service itself (``nimbus``, as ``/v2.0/service-providers`` lists it), so a
flavor changes nothing in how the router is made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import flavors as db
from nimbus.network.db import models
from nimbus.network.manager.listing import Filters, Hidden, with_items

L3 = "L3_ROUTER_NAT"
# The services that take flavors, and the driver (the provider's name) a profile names to be
# served by each one's provider.
FLAVORED_SERVICES = {L3: "nimbus"}
DRIVERS = frozenset(FLAVORED_SERVICES.values())


def flavor_view(row: models.Flavor, profiles: list[str]) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "service_type": row.service_type, "enabled": row.enabled,
            "service_profiles": profiles}


def profile_view(row: models.ServiceProfile) -> dict[str, Any]:
    return {"id": row.id, "description": row.description, "driver": row.driver,
            "enabled": row.enabled, "metainfo": row.metainfo}


def router_flavor(session: Session, flavor_id: str) -> models.Flavor:
    """The flavor a new router asks for, refused as Neutron refuses it."""
    row = db.flavor(session, flavor_id)
    if row is None:
        raise nerr.FlavorNotFound(flavor_id=flavor_id)
    if row.service_type != L3:
        raise nerr.BadRequest(resource="router", msg=f"Flavor {row.id} is a flavor of "
                              f"{row.service_type}, not of routers ({L3})")
    if not row.enabled:
        raise nerr.FlavorDisabled()
    # Neutron serves a flavor by its first profile, as the flavor's next provider.
    bindings = db.bindings_of(session, row.id)
    if not bindings:
        raise nerr.FlavorServiceProfileBindingNotFound(sp_id="", fl_id=row.id)
    profile = db.profile(session, bindings[0].service_profile_id)
    if profile is None:
        raise nerr.ServiceProfileNotFound(sp_id=bindings[0].service_profile_id)
    if not profile.enabled:
        raise nerr.ServiceProfileDisabled()
    if profile.driver != FLAVORED_SERVICES[L3]:
        raise nerr.ServiceProfileDriverNotFound(driver=profile.driver)
    return row


class FlavorManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    # -- flavors -------------------------------------------------------------------------------
    def list_flavors(self, query: PageQuery | None = None, filters: Filters | None = None,
                     hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = db.list_flavors(session, query or PageQuery(), filters or {}, hidden)
            profiles = db.profiles_of(session, [r.id for r in page.items])
            return with_items(page, [flavor_view(r, profiles[r.id]) for r in page.items])

    def get_flavor(self, flavor_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self._flavor_view(session, self._flavor(session, flavor_id))

    @retry_on_lock()
    def create_flavor(self, attrs: dict[str, Any]) -> dict[str, Any]:
        service_type = str(attrs["service_type"])
        if service_type not in FLAVORED_SERVICES:
            raise nerr.InvalidServiceType(service_type=service_type)
        with self.db.writer() as session:
            row = models.Flavor(name=attrs.get("name") or "",
                                description=attrs.get("description") or "",
                                service_type=service_type,
                                enabled=bool(attrs.get("enabled", True)))
            session.add(row)
            session.flush()
            return flavor_view(row, [])

    @retry_on_lock()
    def update_flavor(self, flavor_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._flavor(session, flavor_id)
            for key in ("name", "description", "enabled"):
                if key in attrs:
                    setattr(row, key, attrs[key])
            session.flush()
            return self._flavor_view(session, row)

    @retry_on_lock()
    def delete_flavor(self, flavor_id: str) -> None:
        try:
            with self.db.writer() as session:
                row = self._flavor(session, flavor_id)
                if db.flavor_used(session, row.id):
                    raise nerr.FlavorInUse(flavor_id=row.id)
                for binding in db.bindings_of(session, row.id):
                    session.delete(binding)
                # The associations first: the flavor's row may take them with it (ON DELETE
                # CASCADE).
                session.flush()
                session.delete(row)
        except IntegrityError:
            # A router made with it meanwhile holds it (its foreign key), as Neutron finds.
            raise nerr.FlavorInUse(flavor_id=flavor_id) from None

    @staticmethod
    def _flavor(session: Session, flavor_id: str) -> models.Flavor:
        row = db.flavor(session, flavor_id)
        if row is None:
            raise nerr.FlavorNotFound(flavor_id=flavor_id)
        return row

    @staticmethod
    def _flavor_view(session: Session, row: models.Flavor) -> dict[str, Any]:
        return flavor_view(row, db.profiles_of(session, [row.id])[row.id])

    # -- service profiles ----------------------------------------------------------------------
    def list_profiles(self, query: PageQuery | None = None, filters: Filters | None = None,
                      hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = db.list_profiles(session, query or PageQuery(), filters or {}, hidden)
            return with_items(page, [profile_view(r) for r in page.items])

    def get_profile(self, profile_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return profile_view(self._profile(session, profile_id))

    @retry_on_lock()
    def create_profile(self, attrs: dict[str, Any]) -> dict[str, Any]:
        driver, metainfo = attrs.get("driver") or "", attrs.get("metainfo") or ""
        if driver:
            _check_driver(driver)
        elif not metainfo:
            raise nerr.ServiceProfileEmpty()
        with self.db.writer() as session:
            row = models.ServiceProfile(description=attrs.get("description") or "",
                                        driver=driver, metainfo=metainfo,
                                        enabled=bool(attrs.get("enabled", True)))
            session.add(row)
            session.flush()
            return profile_view(row)

    @retry_on_lock()
    def update_profile(self, profile_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("driver"):
            _check_driver(str(attrs["driver"]))
        with self.db.writer() as session:
            row = self._profile(session, profile_id)
            # What a flavor stands for does not change under it, as in Neutron.
            if db.profile_bound(session, row.id):
                raise nerr.ServiceProfileInUse(sp_id=row.id)
            for key in ("description", "driver", "metainfo", "enabled"):
                if key in attrs:
                    setattr(row, key, attrs[key])
            session.flush()
            return profile_view(row)

    @retry_on_lock()
    def delete_profile(self, profile_id: str) -> None:
        with self.db.writer() as session:
            row = self._profile(session, profile_id)
            if db.profile_bound(session, row.id):
                raise nerr.ServiceProfileInUse(sp_id=row.id)
            session.delete(row)

    @staticmethod
    def _profile(session: Session, profile_id: str) -> models.ServiceProfile:
        row = db.profile(session, profile_id)
        if row is None:
            raise nerr.ServiceProfileNotFound(sp_id=profile_id)
        return row

    # -- associations --------------------------------------------------------------------------
    @retry_on_lock()
    def associate(self, flavor_id: str, profile_id: str) -> dict[str, Any]:
        try:
            with self.db.writer() as session:
                flavor = self._flavor(session, flavor_id)
                profile = self._profile(session, profile_id)
                if db.binding(session, flavor.id, profile.id) is not None:
                    raise nerr.FlavorServiceProfileBindingExists(sp_id=profile.id,
                                                                 fl_id=flavor.id)
                session.add(models.FlavorServiceProfile(flavor_id=flavor.id,
                                                        service_profile_id=profile.id))
                session.flush()
        except IntegrityError:
            # Another request associated them first, or one of them went meanwhile.
            with self.db.reader() as session:
                self._flavor(session, flavor_id)
                self._profile(session, profile_id)
            raise nerr.FlavorServiceProfileBindingExists(sp_id=profile_id,
                                                         fl_id=flavor_id) from None
        return {"id": profile_id}

    @retry_on_lock()
    def disassociate(self, flavor_id: str, profile_id: str) -> None:
        with self.db.writer() as session:
            row = db.binding(session, flavor_id, profile_id)
            if row is None:
                raise nerr.FlavorServiceProfileBindingNotFound(sp_id=profile_id, fl_id=flavor_id)
            session.delete(row)


def _check_driver(driver: str) -> None:
    if driver not in DRIVERS:
        raise nerr.ServiceProfileDriverNotFound(driver=driver)
