"""A port's bindings to several hosts (Neutron's ``binding-extended``).

Compute moves a running guest as Nova does: it binds the guest's ports to the destination
(an INACTIVE binding, which that host's agent plugs, so the tap is there before the guest
arrives), activates the destination's binding once the guest runs there (the source's turns
INACTIVE) and deletes the source's. The active binding is the port's own columns; the others
are rows of ``network_port_bindings``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import ports as port_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.ports import PortManager

ACTIVE, INACTIVE = "ACTIVE", "INACTIVE"


def _view(host: str, vif_type: str, vnic_type: str, profile: dict[str, Any],
          details: dict[str, Any], status: str) -> dict[str, Any]:
    return {"host": host, "vif_type": vif_type, "vnic_type": vnic_type,
            "profile": dict(profile or {}), "vif_details": dict(details or {}),
            "status": status}


def _active(port: models.Port) -> dict[str, Any]:
    return _view(port.host_id, port.vif_type, port.vnic_type, port.profile, port.vif_details,
                 ACTIVE)


def _inactive(row: models.PortBinding) -> dict[str, Any]:
    return _view(row.host, row.vif_type, row.vnic_type, row.profile, row.vif_details,
                 INACTIVE)


class PortBindingManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver,
                 ports: PortManager) -> None:
        self.db = db
        self.access = access
        self.driver = driver
        self.ports = ports

    def list_bindings(self, ctx: RequestContext, port_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            port = self.access.port(session, ctx, port_id)
            found = [_active(port)] if port.host_id else []
            return found + [_inactive(b) for b in port_db.bindings(session, port_id)]

    def get_binding(self, ctx: RequestContext, port_id: str, host: str) -> dict[str, Any]:
        with self.db.reader() as session:
            port = self.access.port(session, ctx, port_id)
            if port.host_id and port.host_id == host:
                return _active(port)
            return _inactive(self._inactive_row(session, port_id, host))

    @retry_on_lock()
    def create_binding(self, ctx: RequestContext, port_id: str,
                       attrs: dict[str, Any]) -> dict[str, Any]:
        host = str(attrs["host"])
        with self.db.writer() as session:
            port = self.access.port(session, ctx, port_id)
            existing = session.get(models.PortBinding, (port_id, host))
            if port.host_id == host or existing is not None:
                raise nerr.PortBindingAlreadyExists(port_id=port_id, host=host)
            row = models.PortBinding(port_id=port_id, host=host,
                                     vnic_type=attrs.get("vnic_type") or port.vnic_type,
                                     profile=attrs.get("profile") or {})
            view = self.ports.view(session, port)
            result = self.driver.bind_port({**view, "binding:host_id": host}, host)
            if result is None:
                row.vif_type, row.vif_details = c.VIF_BINDING_FAILED, {}
            else:
                row.vif_type = result["vif_type"]
                row.vif_details = dict(result.get("vif_details") or {})
            session.add(row)
            session.flush()
            made = _inactive(row)
        self.driver.update_port(view)
        return made

    @retry_on_lock()
    def activate(self, ctx: RequestContext, port_id: str, host: str) -> dict[str, Any]:
        """The host's binding becomes the port's; the one it had is kept INACTIVE."""
        with self.db.writer() as session:
            port = self.access.port(session, ctx, port_id)
            if port.host_id == host:
                raise nerr.PortBindingAlreadyActive(port_id=port_id, host=host)
            row = self._inactive_row(session, port_id, host)
            if port.host_id:
                session.add(models.PortBinding(
                    port_id=port_id, host=port.host_id, vif_type=port.vif_type,
                    vnic_type=port.vnic_type, profile=dict(port.profile or {}),
                    vif_details=dict(port.vif_details or {})))
            port.host_id, port.vif_type, port.vnic_type = row.host, row.vif_type, row.vnic_type
            port.profile, port.vif_details = dict(row.profile or {}), dict(row.vif_details or {})
            session.delete(row)
            port.touch()
            view = self.ports.view(session, port)
            active = _active(port)
        self.driver.update_port(view)
        self.ports.notifier.notify("port.update.end", {"port": view})
        return active

    @retry_on_lock()
    def delete_binding(self, ctx: RequestContext, port_id: str, host: str) -> None:
        with self.db.writer() as session:
            port = self.access.port(session, ctx, port_id)
            if port.host_id == host:
                # The active binding goes with the port's own binding:host_id, as in Neutron.
                raise nerr.Conflict(reason=f"Binding for port {port_id} on host {host} is "
                                           "active and cannot be deleted.",
                                    neutron_type="PortBindingError")
            session.delete(self._inactive_row(session, port_id, host))
            view = self.ports.view(session, port)
        self.driver.update_port(view)

    @staticmethod
    def _inactive_row(session: Session, port_id: str, host: str) -> models.PortBinding:
        row = session.get(models.PortBinding, (port_id, host))
        if row is None:
            raise nerr.PortBindingNotFound(port_id=port_id, host=host)
        return row
