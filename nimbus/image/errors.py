"""The image service's own faults, with Glance's wording."""

from __future__ import annotations

from nimbus.core.errors import NimbusError, NotFound, PayloadTooLarge, register


class ImageNotFound(NotFound):
    message_format = "No image found with ID {id}"


class TaskNotFound(NotFound):
    message_format = "Task with identifier {id} not found"


class ImageQuotaExceeded(PayloadTooLarge):
    message_format = ("Project {project_id} is over its {resource} limit: the limit is "
                      "{limit}{unit}, {usage}{unit} is in use and {delta} more was asked for.")


class ImageVerificationFailed(NimbusError):
    code = 502
    title = "Bad Gateway"
    message_format = "Image {id} failed verification while it was cached: {reason}"


class FetchError(NimbusError):
    code = 502
    title = "Bad Gateway"
    message_format = "Could not read the image source: {reason}"


for _fault in (ImageNotFound, TaskNotFound, ImageQuotaExceeded, ImageVerificationFailed):
    register(_fault)
