"""Request checks with JSON Schema (draft 2020-12), giving a 400 that names the field at fault.

Routes declare their body and query schemas (``routing``); the dispatcher checks every request
against them here, before the handler runs. Every schema is itself checked against the
meta-schema when first used: a misspelled keyword would otherwise be ignored silently. Each
service words the failure as its OpenStack namesake does (``STYLES``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.api.microversion import Version
from nimbus.core.errors import BadRequest, NimbusError, ValidationError

if TYPE_CHECKING:
    import jsonschema

Schema = dict[str, Any]
_CHECKED: dict[int, Any] = {}
_LOCK = threading.Lock()


def validator(schema: Schema) -> Any:
    """The (cached) validator of ``schema``, which is itself checked against the meta-schema.

    jsonschema is imported here, on first use, not when a service's schemas are declared: it
    costs a tenth of a second at every start (``warm`` does it once the cloud answers).
    """
    key = id(schema)
    found = _CHECKED.get(key)
    if found is None:
        strict = _strict_validator()
        strict.check_schema(schema)
        found = strict(schema)
        with _LOCK:
            _CHECKED[key] = found
    return found


_STRICT: Any = None


def _strict_validator() -> Any:
    """Draft 2020-12, except that ``2.0`` is not an integer.

    The drafts since 6 count a float with no fraction as an integer, but the OpenStack services
    validate with draft 4, where it is not, and code that reads an integer field must be able
    to count on getting an ``int`` (``int(str(2.0))`` fails; ``1e300`` is a float).
    """
    global _STRICT
    if _STRICT is None:
        from jsonschema import Draft202012Validator, validators

        checker = Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
        _STRICT = validators.extend(Draft202012Validator, type_checker=checker)
    return _STRICT


def warm(schemas: Iterable[Schema] = ()) -> None:
    """Load the validator (and check and compile ``schemas``) now, not on a first request."""
    _strict_validator()
    for schema in schemas:
        validator(schema)


@dataclass(frozen=True)
class Failure:
    """The first thing wrong with a request part: where, what was there, and why."""

    path: list[str]
    field: str
    value: Any
    message: str
    where: str          # "body" or "query"
    # The schema keyword that failed and where it sits in the schema (for Placement's wording).
    validator: str = ""
    schema_path: tuple[str, ...] = ()


def _field_of(err: jsonschema.ValidationError) -> tuple[list[str], str]:
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required" and isinstance(err.message, str) and "'" in err.message:
        return path, err.message.split("'")[1]
    return path, path[-1] if path else ""


def first_failure(instance: Any, schema: Schema, where: str = "body") -> Failure | None:
    checker = validator(schema)
    from jsonschema.exceptions import best_match

    error = best_match(checker.iter_errors(instance))
    if error is None:
        return None
    path, field = _field_of(error)
    message = error.message if len(error.message) < 300 else error.message[:297] + "..."
    return Failure(path, field, error.instance, message, where, str(error.validator),
                   tuple(str(p) for p in error.relative_schema_path))


def _keystone(f: Failure) -> NimbusError:
    field = ".".join(f.path) or f.field or f.where
    if f.where == "query":
        return BadRequest(f"Invalid value for query parameter '{f.field}': {f.message}",
                          field=f.field, reason=f.message)
    return ValidationError(field=field, reason=f.message)


def _nova(f: Failure) -> NimbusError:
    # Nova and Cinder: "Invalid input for field/attribute name. Value: x. <reason>".
    if f.where == "query":
        return ValidationError(f"Invalid input for query parameters {f.field}. Value: "
                               f"{_short(f.value)}. {f.message}", field=f.field, reason=f.message)
    field = f.field or (f.path[-1] if f.path else "body")
    return ValidationError(f"Invalid input for field/attribute {field}. Value: {_short(f.value)}. "
                           f"{f.message}", field=field, reason=f.message)


def _placement(f: Failure) -> NimbusError:
    # Placement words the jsonschema error as jsonschema prints it: the message, then which
    # keyword failed where in the schema.
    where = "".join(f"[{p!r}]" for p in f.schema_path[:-1])
    detail = f"{f.message}\n\nFailed validating '{f.validator}' in schema{where}"
    if f.where == "query":
        return BadRequest(f"Invalid query string parameters: {detail}", field=f.field)
    return BadRequest(f"JSON does not validate: {detail}", field=f.field)


def _neutron(f: Failure) -> NimbusError:
    # Neutron names the resource's attribute even when the fault lies deeper: the first name
    # after the resource (or after a bulk create's collection and index).
    names = [p for p in f.path[1:] if not p.isdigit()]
    field = names[0] if names else f.field or f.where
    return BadRequest(f"Invalid input for {field}. Reason: {f.message}.", field=field)


def _glance(f: Failure) -> NimbusError:
    if f.where == "query":
        return BadRequest(f"Invalid value for query parameter '{f.field}': {f.message}",
                          field=f.field)
    field = f.field or "body"
    return BadRequest(f"Provided object does not match schema: {field}: {f.message}", field=field)


def _heat(f: Failure) -> NimbusError:
    field = ".".join(f.path) or f.field or f.where
    if f.where == "query":
        return BadRequest(f"Invalid value for query parameter '{f.field}': {f.message}",
                          field=f.field, heat_type="HTTPBadRequest")
    return BadRequest(f"Invalid input for field '{field}': {f.message}", field=field,
                      heat_type="HTTPBadRequest")


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 100 else text[:97] + "..."


STYLES: dict[str, Callable[[Failure], NimbusError]] = {
    "keystone": _keystone,
    "nova": _nova,
    "cinder": _nova,
    "placement": _placement,
    "neutron": _neutron,
    "glance": _glance,
    "swift": _keystone,
    "heat": _heat,
}


Style = str | Callable[[Failure], NimbusError]


def check(instance: Any, schema: Schema, style: Style = "keystone", where: str = "body") -> Any:
    """``instance`` if it matches ``schema``; the service's own 400 naming the field otherwise.

    ``style`` names an entry of ``STYLES``, or is a service's own wording function.
    """
    failure = first_failure(instance, schema, where)
    if failure is not None:
        word = style if callable(style) else STYLES.get(style, _keystone)
        raise word(failure)
    return instance


def validate(body: Any, schema: Schema) -> Any:
    """Return ``body`` if it matches ``schema``; raise ValidationError naming the field."""
    return check(body, schema, "keystone")


@dataclass(frozen=True)
class Versioned:
    """Body schemas by microversion: each applies from its version until the next one's."""

    schemas: tuple[tuple[str, Schema], ...]

    def for_version(self, version: Version | None) -> Schema:
        chosen = self.schemas[0][1]
        for since, schema in self.schemas:
            if version is not None and version >= Version.parse(since):
                chosen = schema
        return chosen


def versioned(*schemas: tuple[str, Schema]) -> Versioned:
    """``versioned(("2.1", A), ("2.19", B))``: ``A`` before 2.19, ``B`` from it on."""
    return Versioned(tuple(sorted(schemas, key=lambda s: Version.parse(s[0]))))


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def query_instance(schema: Schema, query: Any) -> dict[str, Any]:
    """The declared query parameters as JSON values: repeated ones as lists where the schema
    asks for an array, numbers and booleans converted where the text allows it (so that a bad
    value fails the schema naming the parameter, instead of failing later)."""
    props: Mapping[str, Any] = schema.get("properties", {})
    found: dict[str, Any] = {}
    for name, prop in props.items():
        if name not in query:
            continue
        kinds = _types(prop)
        if "array" in kinds:
            found[name] = [_scalar(v, _types(prop.get("items", {})))
                           for v in query.getlist(name)]
        else:
            found[name] = _scalar(query.get(name), kinds)
    return found


def _types(prop: Mapping[str, Any]) -> set[str]:
    kind = prop.get("type")
    if isinstance(kind, str):
        return {kind}
    return set(kind) if isinstance(kind, list) else set()


def _scalar(value: str, kinds: set[str]) -> Any:
    if "string" in kinds:
        return value
    if kinds & {"integer", "number"}:
        try:
            return int(value)
        except ValueError:
            pass
        if "number" in kinds:
            try:
                return float(value)
            except ValueError:
                pass
    if "boolean" in kinds:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    if "null" in kinds and value == "":
        return None
    return value


def string(max_length: int = 255, min_length: int = 0, nullable: bool = False) -> Schema:
    schema: Schema = {"type": ["string", "null"] if nullable else "string",
                      "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


def query(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    """A query schema: named parameters; parameters not named are allowed and ignored."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


BOOLEAN: Schema = {"type": "boolean"}
ID = string(64, 1)
NULLABLE_ID = string(64, 1, nullable=True)
TAGS: Schema = {"type": "array", "items": string(255, 1), "maxItems": 80}
LIMIT: Schema = {"type": "integer", "minimum": 0}
MARKER: Schema = {"type": "string", "maxLength": 255}
