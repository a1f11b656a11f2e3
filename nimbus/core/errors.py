"""The one exception hierarchy of Nimbus.

Every error carries its HTTP status and a message built from keyword arguments that are JSON-safe,
so an error raised by an agent crosses the bus and is raised again, unchanged, in the API process.
The API layer renders these into each service's own fault body (see ``core/api/faults.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class NimbusError(Exception):
    """Base of every error Nimbus raises on purpose."""

    code: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    message_format: ClassVar[str] = "An unexpected error occurred."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.message_format.format(**kwargs)
            except (KeyError, IndexError):
                message = self.message_format
        self.message = message
        self.headers: dict[str, str] = {}
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form that ``from_dict`` turns back into the same error."""
        return {"type": type(self).__name__, "message": self.message, "kwargs": self.kwargs}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> NimbusError:
        cls = _REGISTRY.get(str(data.get("type")), NimbusError)
        err = cls.__new__(cls)
        NimbusError.__init__(err, data.get("message"), **data.get("kwargs", {}))
        return err


class BadRequest(NimbusError):
    code = 400
    title = "Bad Request"
    message_format = "The request is invalid."


class ValidationError(BadRequest):
    message_format = "Invalid input for field '{field}': {reason}"


class MalformedBody(BadRequest):
    message_format = "Malformed request body: {reason}"


class Unauthorized(NimbusError):
    code = 401
    title = "Unauthorized"
    message_format = "The request you have made requires authentication."


class Forbidden(NimbusError):
    code = 403
    title = "Forbidden"
    message_format = "You are not authorized to perform the requested action: {action}."


class PolicyNotAuthorized(Forbidden):
    message_format = "Policy doesn't allow {action} to be performed."


class NotFound(NimbusError):
    code = 404
    title = "Not Found"
    message_format = "Could not find {resource}: {id}."


class MethodNotAllowed(NimbusError):
    code = 405
    title = "Method Not Allowed"
    message_format = "The method is not allowed for the requested URL."


class NotAcceptable(NimbusError):
    code = 406
    title = "Not Acceptable"
    message_format = "{reason}"


class RequestTimeout(NimbusError):
    code = 408
    title = "Request Timeout"
    message_format = "The request body did not arrive within {seconds} seconds."


class Conflict(NimbusError):
    code = 409
    title = "Conflict"
    message_format = "Conflict occurred attempting to store {resource} - {reason}."


class InUse(Conflict):
    message_format = "{resource} {id} is in use."


class InvalidState(Conflict):
    message_format = "Cannot '{action}' {resource} {id} while it is in {state} {state_kind}."


class ConsumerGenerationConflict(Conflict):
    """Placement refused an allocation write because the consumer changed since it was read
    (or exists when it was expected not to): read it again and retry."""

    message_format = "consumer generation conflict: {reason}"


class Gone(NimbusError):
    code = 410
    title = "Gone"
    message_format = "{resource} {id} is gone."


class PayloadTooLarge(NimbusError):
    code = 413
    title = "Request Entity Too Large"
    message_format = "{reason}"


class QuotaExceeded(PayloadTooLarge):
    message_format = "Quota exceeded for {resource}: requested {requested}, limit {limit}."


class UnsupportedMediaType(NimbusError):
    code = 415
    title = "Unsupported Media Type"
    message_format = "Unsupported Content-Type: {content_type}."


class RangeNotSatisfiable(NimbusError):
    code = 416
    title = "Requested Range Not Satisfiable"
    message_format = "The requested range is not satisfiable."


class NotImplementedYet(NimbusError):
    code = 501
    title = "Not Implemented"
    message_format = "{feature} is not implemented."


class ServiceUnavailable(NimbusError):
    code = 503
    title = "Service Unavailable"
    message_format = "{reason}"


class RpcTimeout(ServiceUnavailable):
    message_format = "No reply from {topic}.{method} within {timeout} seconds."


class NoValidHost(NimbusError):
    code = 500
    title = "No valid host"
    message_format = "No valid host was found. {reason}"


_REGISTRY: dict[str, type[NimbusError]] = {}


def register(cls: type[NimbusError]) -> type[NimbusError]:
    """Make an error class known to ``from_dict`` (subclasses defined elsewhere call this)."""
    _REGISTRY[cls.__name__] = cls
    return cls


def _register_all(base: type[NimbusError]) -> None:
    _REGISTRY[base.__name__] = base
    for sub in base.__subclasses__():
        _register_all(sub)


_register_all(NimbusError)
