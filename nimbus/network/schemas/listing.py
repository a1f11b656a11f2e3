"""The query parameters of Neutron's lists: paging, sorting, ``fields`` and attribute filters.

Filters are declared as repeatable text parameters, one per attribute the resource shows:
their values are compared with the API's text form of each attribute (``db/listing.py``), so
a value that fits no row filters everything out rather than being refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

TEXTS: Schema = {"type": "array", "items": {"type": "string"}}

# Neutron's own paging parameters. ``sort_dir`` is checked by the list itself, to answer in
# Neutron's words.
PAGING: dict[str, Schema] = {
    "limit": {"type": ["integer", "null"], "minimum": 0},
    "marker": {"type": "string", "maxLength": 255},
    "page_reverse": {"type": ["boolean", "null"]},
    "sort_key": {"type": "array", "items": {"type": "string", "maxLength": 255}},
    "sort_dir": TEXTS,
}
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
# Query parameters that are not attribute filters.
NOT_FILTERS = frozenset({*PAGING, "fields"})

SHOW_QUERY: Schema = validation.query({"fields": TEXTS})


def list_query(attributes: Iterable[str], **special: Schema) -> Schema:
    """A list's query: paging, ``fields``, tag filters and a filter per attribute."""
    filters: dict[str, Schema] = {name: TEXTS for name in attributes}
    filters.update({name: TEXTS for name in TAG_FILTERS})
    filters.update(special)
    return validation.query({**PAGING, "fields": TEXTS, **filters})
