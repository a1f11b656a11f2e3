"""Block-storage errors with Cinder's messages; registered so they cross the bus intact."""

from __future__ import annotations

from nimbus.core import errors


class InvalidVolume(errors.BadRequest):
    message_format = "Invalid volume: {reason}"


class InvalidInput(errors.BadRequest):
    message_format = "Invalid input received: {reason}"


class VolumeNotFound(errors.NotFound):
    message_format = "Volume {id} could not be found."


class VolumeTypeNotFound(errors.NotFound):
    message_format = "Volume type {id} could not be found."


class SnapshotNotFound(errors.NotFound):
    message_format = "Snapshot {id} could not be found."


class AttachmentNotFound(errors.NotFound):
    message_format = "VolumeAttachment {id} could not be found."


class MessageNotFound(errors.NotFound):
    message_format = "Message {id} could not be found."


class BackupNotFound(errors.NotFound):
    message_format = "Backup {id} could not be found."


class InvalidImageRef(errors.BadRequest):
    """Cinder's answer for an image the caller cannot use: unknown, or not theirs to see."""

    message_format = "Invalid image identifier or unable to access requested image."


class ComputeUsesAttachment(errors.Conflict):
    message_format = "Detach volume from instance {instance_id} using the Compute API"


class VolumeTypeExists(errors.Conflict):
    message_format = "Volume Type {id} already exists."


class VolumeTypeInUse(errors.BadRequest):
    message_format = "Volume Type {id} deletion is not allowed with volumes present with the type."


class VolumeBackendError(errors.NimbusError):
    message_format = "Volume backend failed: {reason}"


class EncryptionTypeExists(errors.BadRequest):
    message_format = "Volume type encryption for type {type_id} already exists."


class EncryptionTypeNotFound(errors.NotFound):
    message_format = "Volume type encryption for type {type_id} does not exist."


class EncryptionTypeInUse(errors.BadRequest):
    message_format = "Cannot {action} encryption specs. Volume type in use."


class KeyUnavailable(errors.NimbusError):
    message_format = "The encryption key {key_id} cannot be read."


class VolumeLimitExceeded(errors.QuotaExceeded):
    message_format = "VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded"


class VolumeSizeExceedsQuota(errors.QuotaExceeded):
    message_format = ("VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                      "allowed gigabytes quota. Requested {requested}G, quota is {limit}G and "
                      "{consumed}G has been consumed.")


for _cls in (InvalidVolume, InvalidInput, VolumeNotFound, VolumeTypeNotFound, SnapshotNotFound,
             AttachmentNotFound, MessageNotFound, BackupNotFound, InvalidImageRef, VolumeTypeExists,
             VolumeTypeInUse, VolumeBackendError, VolumeLimitExceeded, VolumeSizeExceedsQuota,
             EncryptionTypeExists, EncryptionTypeNotFound, EncryptionTypeInUse, KeyUnavailable):
    errors.register(_cls)
