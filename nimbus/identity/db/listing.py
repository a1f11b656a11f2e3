"""Keystone's paging: by id, after a marker that may be any row of the table.

Keystone pages users, groups, projects and domains in id order, looks the marker up in the whole
table (a marker the filters leave out still counts) and answers an unknown one with
``MarkerNotFound``. A page never loads more than ``limit + 1`` rows (``core.db.paging``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.identity.db.base import Base
from nimbus.identity.errors import MarkerNotFound


def by_id(s: Session, stmt: Select[Any], model: type[Base], query: PageQuery,
          max_limit: int) -> Page[Any]:
    """One page of ``stmt`` (which holds its filters) in id order, at most ``max_limit`` long.

    Keystone takes no sort keys here, so any the request named are left aside.
    """
    return page(s, stmt, dataclasses.replace(query, sort=()),
                columns={"id": model.__table__.c.id}, tiebreak="id",
                default_sort=[("id", "asc")], marker_stmt=select(model),
                bad_marker=lambda marker: MarkerNotFound(marker=marker),
                max_limit=max_limit)
