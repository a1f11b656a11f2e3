"""Reading a template document: JSON or YAML, into a mapping that names its version.

YAML dates (``2016-10-14``) stay strings, as Heat reads them, so that a version reads back as
written. A document that does not parse is refused with the parser's own words, which give the
line and column.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from nimbus.orchestration.template.errors import TemplateParseError

# What Heat allows by default (``max_template_size``).
MAX_TEMPLATE_SIZE = 524288
VERSION_KEYS = ("heat_template_version", "AWSTemplateFormatVersion", "HeatTemplateFormatVersion")


class _Loader(yaml.SafeLoader):
    """Safe YAML whose timestamps are left as the strings they were written as."""


def _as_str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_str)


def parse(text: str | bytes, where: str = "[root stack]") -> dict[str, Any]:
    """The template ``text`` as a mapping that declares a version."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if len(text) > MAX_TEMPLATE_SIZE:
        raise TemplateParseError(f"Template size ({len(text)} bytes) exceeds maximum allowed "
                                 f"size ({MAX_TEMPLATE_SIZE} bytes).")
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise TemplateParseError(f"Error parsing template {where} {exc}") from None
        if doc is None:
            doc = {}
    if not isinstance(doc, dict):
        raise TemplateParseError("The template is not a JSON object or YAML mapping.")
    if not any(key in doc for key in VERSION_KEYS):
        raise TemplateParseError("Template format version not found.")
    return doc


def parse_mapping(text: str | bytes, what: str = "environment") -> dict[str, Any]:
    """An environment (or other YAML/JSON mapping) read the same way, without a version."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateParseError(f"Error parsing {what}: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise TemplateParseError(f"The {what} is not a valid YAML mapping data type.")
    return doc
