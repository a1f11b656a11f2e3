"""The CloudFormation Query API's answers: ``<{Action}Response><{Action}Result>…`` documents
shaped as Heat's XML serializer shapes them, and AWS's ``<ErrorResponse>`` for every failure,
which is what AWS clients (boto3) parse.

Values are written the way AWS clients read them: a list is ``<member>`` elements, a boolean is
``true``/``false``, an absent value is no element at all (Heat writes Python's ``True`` and
``None``, which boto3 reads as false or cannot read as a number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from nimbus.core.errors import Conflict, Forbidden, NimbusError, PayloadTooLarge, Unauthorized

XML = "application/xml"
# Values AWS defines as JSON carried inside the XML (as Heat's serializer writes them).
JSON_KEYS = frozenset({"TemplateBody", "Metadata", "ResourceProperties"})
# Characters XML 1.0 cannot carry even escaped: replaced, so the document stays readable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class AwsError(Exception):
    """A failure as the Query API words it: AWS's error code, who is at fault (``Sender`` or
    ``Server``) and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    @property
    def fault(self) -> str:
        return "Server" if self.status >= 500 else "Sender"


def validation(message: str) -> AwsError:
    """AWS's ``ValidationError``: what the request names or carries is not acceptable."""
    return AwsError("ValidationError", message)


def missing(name: str) -> AwsError:
    return AwsError("MissingParameter", f"The request must contain the parameter {name}.")


def translate(err: NimbusError) -> AwsError:
    """What a failure of the stack layer (in Heat's names) is in the Query API: Heat's own
    codes where it has one, AWS's ``ValidationError`` for anything the request got wrong."""
    kind = str(err.kwargs.get("heat_type") or type(err).__name__)
    if isinstance(err, Forbidden | Unauthorized):
        return AwsError("AccessDenied", err.message, 403)
    if kind == "StackExists":
        return AwsError("AlreadyExists", err.message)
    if kind == "ActionInProgress":
        return AwsError("InvalidAction", err.message)
    if isinstance(err, PayloadTooLarge):
        return AwsError("RequestLimitExceeded", err.message)
    if err.code == 503:
        return AwsError("ServiceUnavailable", err.message, 503)
    if err.code < 500 or isinstance(err, Conflict):
        return validation(err.message)
    return AwsError("InternalFailure", err.message, 500)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(parent: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(parent, "member"), item)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if item is None:
                continue
            child = ET.SubElement(parent, key)
            if key in JSON_KEYS and not isinstance(item, str):
                child.text = _text(json.dumps(item))
            else:
                _fill(child, item)
    elif value is not None:
        parent.text = _text(value)


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def result(action: str, body: Mapping[str, Any] | None) -> bytes:
    """``<{action}Response><{action}Result>`` around ``body``'s elements."""
    root = ET.Element(f"{action}Response")
    _fill(ET.SubElement(root, f"{action}Result"), body or {})
    return _document(root)


def error(err: AwsError) -> bytes:
    root = ET.Element("ErrorResponse")
    _fill(ET.SubElement(root, "Error"), {"Type": err.fault, "Code": err.code,
                                         "Message": err.message})
    return _document(root)
