"""What a template or its parameters can be refused for, in Heat's own words and types: the
API answers each with a 400 whose ``error.type`` is the class name Heat uses."""

from __future__ import annotations

from nimbus.core.errors import BadRequest, NotFound


class StackValidationFailed(BadRequest):
    """The template, its parameters or a resource's properties do not hold together; the
    message names the path to what is wrong (``resources.server.properties.flavor``)."""

    message_format = "{message}"

    def __init__(self, message: str = "", path: list[str] | tuple[str, ...] = (),
                 **kwargs: object) -> None:
        where = ".".join(str(p) for p in path)
        text = f"{where}: {message}" if where and message else message
        super().__init__(message=text, **kwargs)


class InvalidTemplateVersion(BadRequest):
    message_format = "The template version is invalid: {explanation}"


class InvalidTemplateSection(BadRequest):
    message_format = 'The template section is invalid: {section}'


class InvalidTemplateReference(BadRequest):
    message_format = ('The specified reference "{resource}" (in {key}) is incorrect.')


class UserParameterMissing(BadRequest):
    message_format = "The Parameter ({key}) was not provided."


class UnknownUserParameter(BadRequest):
    message_format = "The Parameter ({key}) was not defined in template."


class InvalidSchemaError(BadRequest):
    message_format = "{message}"


class TemplateParseError(BadRequest):
    """The document is not YAML or JSON, or not a mapping; the message gives the line."""

    message_format = "{message}"


class EntityNotFound(NotFound):
    message_format = "The {entity} ({name}) could not be found."


class InvalidTemplateAttribute(BadRequest):
    message_format = ("The Referenced Attribute ({resource} {key}) is incorrect.")


class ImmutableParameterModified(BadRequest):
    message_format = ("The following parameters are immutable and may not be updated: "
                      "{keys}")
