"""Block-storage errors with Cinder's messages; registered so they cross the bus intact."""

from __future__ import annotations

from nimbus.core import errors


class InvalidVolume(errors.BadRequest):
    message_format = "Invalid volume: {reason}"


class InvalidInput(errors.BadRequest):
    message_format = "Invalid input received: {reason}"


class InvalidHost(errors.BadRequest):
    message_format = "Invalid host: {reason}"


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


class InvalidBackup(errors.BadRequest):
    message_format = "Invalid backup: {reason}"


class InvalidSnapshot(errors.BadRequest):
    message_format = "Invalid snapshot: {reason}"


class BackupLimitExceeded(errors.QuotaExceeded):
    message_format = "Maximum number of backups allowed ({limit}) exceeded"


class BackupSizeExceedsQuota(errors.QuotaExceeded):
    message_format = ("Requested backup exceeds allowed Backup gigabytes quota. Requested "
                      "{requested}G, quota is {limit}G and {consumed}G has been consumed.")


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


# -- QoS specs, type access, default types, transfers, snapshot metadata ----------------------------
class QosSpecsNotFound(errors.NotFound):
    message_format = "No such QoS spec {id}."


class QosSpecsExists(errors.Conflict):
    message_format = "QoS Specs {name} already exists."


class QosSpecsKeyNotFound(errors.NotFound):
    message_format = "QoS spec {id} has no spec with key {key}."


class QosSpecsInUse(errors.BadRequest):
    message_format = "QoS Specs {id} is still associated with entities."


class InvalidQosSpecs(errors.BadRequest):
    message_format = "Invalid qos specs: {reason}"


class InvalidVolumeType(errors.BadRequest):
    message_format = "Invalid volume type: {reason}"


class VolumeTypeAccessNotFound(errors.NotFound):
    message_format = "Volume type access not found for {type_id} / {project_id} combination."


class VolumeTypeAccessExists(errors.Conflict):
    message_format = ("Volume type access for {type_id} / {project_id} combination already "
                      "exists.")


class VolumeTypeDefaultDeletionError(errors.BadRequest):
    message_format = "The volume type {id} is a default volume type and cannot be deleted."


class VolumeTypeProjectDefaultNotFound(errors.NotFound):
    message_format = "Default type for project {project_id} not found."


class TransferNotFound(errors.NotFound):
    message_format = "Transfer {id} could not be found."


class InvalidAuthKey(errors.BadRequest):
    message_format = "Invalid auth key: {reason}"


class SnapshotMetadataNotFound(errors.NotFound):
    message_format = "Snapshot {id} has no metadata with key {key}."


class GlanceMetadataNotFound(errors.NotFound):
    message_format = "Glance metadata for volume/snapshot {id} cannot be found."


for _cls in (InvalidVolume, InvalidInput, VolumeNotFound, VolumeTypeNotFound, SnapshotNotFound,
             AttachmentNotFound, MessageNotFound, BackupNotFound, InvalidImageRef, VolumeTypeExists,
             VolumeTypeInUse, VolumeBackendError, VolumeLimitExceeded, VolumeSizeExceedsQuota,
             EncryptionTypeExists, EncryptionTypeNotFound, EncryptionTypeInUse, KeyUnavailable,
             InvalidBackup, InvalidSnapshot, BackupLimitExceeded, BackupSizeExceedsQuota):
    errors.register(_cls)
for _access_cls in (QosSpecsNotFound, QosSpecsExists, QosSpecsKeyNotFound, QosSpecsInUse,
                    InvalidQosSpecs, InvalidVolumeType, VolumeTypeAccessNotFound,
                    VolumeTypeAccessExists, VolumeTypeDefaultDeletionError,
                    VolumeTypeProjectDefaultNotFound, TransferNotFound, InvalidAuthKey,
                    SnapshotMetadataNotFound, GlanceMetadataNotFound):
    errors.register(_access_cls)


# -- generic volume groups, operators' APIs, manage/unmanage ------------------------------------
class GroupTypeNotFound(errors.NotFound):
    message_format = "Group type {id} could not be found."


class GroupTypeExists(errors.Conflict):
    message_format = "Group Type {id} already exists."


class GroupTypeInUse(errors.BadRequest):
    message_format = "Target group type is still in use."


class GroupTypeSpecsNotFound(errors.NotFound):
    message_format = "Group Type {id} has no specs with key {key}."


class GroupNotFound(errors.NotFound):
    message_format = "Group {id} could not be found."


class InvalidGroup(errors.BadRequest):
    message_format = "Invalid Group: {reason}"


class InvalidGroupType(errors.BadRequest):
    message_format = "Invalid group type: {reason}"


class GroupSnapshotNotFound(errors.NotFound):
    message_format = "GroupSnapshot {id} could not be found."


class InvalidGroupSnapshot(errors.BadRequest):
    message_format = "Invalid GroupSnapshot: {reason}"


class GroupLimitExceeded(errors.QuotaExceeded):
    message_format = "GroupLimitExceeded: Maximum number of groups allowed ({limit}) exceeded"


class HostNotFound(errors.NotFound):
    message_format = "Host {host} could not be found."


class ServiceNotFound(errors.NotFound):
    message_format = "Service {binary} on host {host} could not be found."


class ClusterNotFound(errors.NotFound):
    message_format = "Cluster {id} could not be found."


class BackendUnavailable(errors.ServiceUnavailable):
    message_format = "{reason}"


class ManageExistingInvalidReference(errors.BadRequest):
    message_format = ("Manage existing volume failed due to invalid backend reference "
                      "{existing_ref}: {reason}")


class ManageExistingAlreadyManaged(errors.BadRequest):
    message_format = "Unable to manage existing volume. Volume {volume_ref} already managed."


_operator_error: type[errors.NimbusError]
for _operator_error in (GroupTypeNotFound, GroupTypeExists, GroupTypeInUse,
                        GroupTypeSpecsNotFound, GroupNotFound, InvalidGroup, InvalidGroupType,
                        GroupSnapshotNotFound, InvalidGroupSnapshot, GroupLimitExceeded,
                        HostNotFound, ServiceNotFound, ClusterNotFound, BackendUnavailable,
                        ManageExistingInvalidReference, ManageExistingAlreadyManaged):
    errors.register(_operator_error)
