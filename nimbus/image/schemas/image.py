"""The JSON schemas Glance publishes at /v2/schemas/*; clients validate images against them."""

from __future__ import annotations

import copy
from typing import Any

DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop"]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
VISIBILITIES = ["community", "public", "private", "shared"]
STATUSES = ["queued", "saving", "active", "killed", "deleted", "uploading", "importing",
            "pending_delete", "deactivated"]
UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                "-([0-9a-fA-F]){12}$")


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", kind], **extra}


def _ro(spec: dict[str, Any]) -> dict[str, Any]:
    return {**spec, "readOnly": True}


# The core attributes every image has (stored as columns).
CORE_PROPERTIES: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "description": "An identifier for the image",
           "pattern": UUID_PATTERN},
    "name": _nullable("string", description="Descriptive name for the image", maxLength=255),
    "status": _ro({"type": "string", "description": "Status of the image", "enum": STATUSES}),
    "visibility": {"type": "string", "description": "Scope of image accessibility",
                   "enum": VISIBILITIES},
    "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
    "os_hidden": {"type": "boolean",
                  "description": "If true, image will not appear in default image list "
                                 "response."},
    "checksum": _ro(_nullable("string", description="md5 hash of image contents.",
                              maxLength=32)),
    "os_hash_algo": _ro(_nullable("string", maxLength=64,
                                  description="Algorithm to calculate the os_hash_value")),
    "os_hash_value": _ro(_nullable("string", maxLength=128,
                                   description="Hexdigest of the image contents using the "
                                               "algorithm specified by the os_hash_algo")),
    "owner": _nullable("string", description="Owner of the image", maxLength=255),
    "size": _ro(_nullable("integer", description="Size of image file in bytes")),
    "virtual_size": _ro(_nullable("integer", description="Virtual size of image in bytes")),
    "container_format": _nullable("string", description="Format of the container",
                                  enum=[None, *CONTAINER_FORMATS]),
    "disk_format": _nullable("string", description="Format of the disk",
                             enum=[None, *DISK_FORMATS]),
    "created_at": _ro({"type": "string", "description": "Date and time of image registration"}),
    "updated_at": _ro({"type": "string",
                       "description": "Date and time of the last image modification"}),
    "tags": {"type": "array", "description": "List of strings related to the image",
             "items": {"type": "string", "maxLength": 255}},
    "direct_url": _ro({"type": "string",
                       "description": "URL to access the image file kept in external store"}),
    "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot "
                                                  "image."},
    "min_disk": {"type": "integer", "description": "Amount of disk space (in GB) required to "
                                                   "boot image."},
    "self": _ro({"type": "string", "description": "An image self url"}),
    "file": _ro({"type": "string", "description": "An image file url"}),
    "stores": _ro({"type": "string", "description": "Store in which image data resides."}),
    "schema": _ro({"type": "string", "description": "An image schema url"}),
    "locations": {
        "type": "array",
        "description": "A set of URLs to access the image file kept in external store",
        "items": {
            "type": "object",
            "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
                "validation_data": {
                    "description": "Values to be used to populate the corresponding image "
                                   "properties. If the image status is not 'queued', values "
                                   "must exactly match those already contained in the image "
                                   "properties.",
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128},
                    },
                    "required": ["os_hash_algo", "os_hash_value"],
                },
            },
            "required": ["url", "metadata"],
        },
    },
}

# Well-known optional properties (Glance ships them in schema-image.json); stored as custom.
KNOWN_EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    "kernel_id": _nullable("string", pattern=UUID_PATTERN, is_base=False,
                           description="ID of an image to use as the kernel when booting an "
                                       "AMI-style image."),
    "ramdisk_id": _nullable("string", pattern=UUID_PATTERN, is_base=False,
                            description="ID of an image to use as the ramdisk when booting an "
                                        "AMI-style image."),
    "instance_uuid": {"type": "string", "is_base": False,
                      "description": "The instance this image was made from (informational)."},
    "architecture": {"type": "string", "is_base": False,
                     "description": "Operating system architecture."},
    "os_distro": {"type": "string", "is_base": False,
                  "description": "Common name of the operating system distribution."},
    "os_version": {"type": "string", "is_base": False,
                   "description": "Operating system version as specified by the distributor."},
    "description": {"type": "string", "is_base": False,
                    "description": "A human-readable string describing this image."},
    "cinder_encryption_key_id": {"type": "string", "is_base": False,
                                 "description": "Key manager id of the encryption key."},
    "cinder_encryption_key_deletion_policy": {
        "type": "string", "is_base": False, "enum": ["on_image_deletion", "do_not_delete"],
        "description": "When the image service deletes the encryption key."},
}

READ_ONLY = frozenset(k for k, v in CORE_PROPERTIES.items() if v.get("readOnly")) | {"id"}
# Never accepted from a client, in a create body or a patch.
DISALLOWED = frozenset({"direct_url", "self", "file", "schema", "stores"})
RESERVED = frozenset({"location", "deleted", "deleted_at"})
RESERVED_PREFIX = "os_glance"
# Core attributes a client may set (the rest of CORE_PROPERTIES is read-only or computed).
WRITABLE_CORE = frozenset({"name", "visibility", "protected", "os_hidden", "owner",
                           "container_format", "disk_format", "min_ram", "min_disk", "tags"})

_LINKS = [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
          {"rel": "describedby", "href": "{schema}"}]
_COLLECTION_LINKS = [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                     {"rel": "describedby", "href": "{schema}"}]


def image_schema() -> dict[str, Any]:
    """``GET /v2/schemas/image``: permissive, extra properties must be strings."""
    props = copy.deepcopy(CORE_PROPERTIES)
    props.update(copy.deepcopy(KNOWN_EXTRA_PROPERTIES))
    return {"name": "image", "properties": props,
            "additionalProperties": {"type": "string"}, "links": copy.deepcopy(_LINKS)}


def images_schema() -> dict[str, Any]:
    return _collection("images", image_schema())


MEMBER_PROPERTIES: dict[str, dict[str, Any]] = {
    "member_id": {"type": "string",
                  "description": "An identifier for the image member (tenantId)"},
    "image_id": {"type": "string", "description": "An identifier for the image",
                 "pattern": UUID_PATTERN},
    "created_at": {"type": "string", "description": "Date and time of image member creation"},
    "updated_at": {"type": "string",
                   "description": "Date and time of last modification of image member"},
    "status": {"type": "string", "description": "The status of this image member",
               "enum": ["pending", "accepted", "rejected"]},
    "schema": {"readOnly": True, "type": "string"},
}


def member_schema() -> dict[str, Any]:
    return {"name": "member", "properties": copy.deepcopy(MEMBER_PROPERTIES),
            "additionalProperties": False}


def members_schema() -> dict[str, Any]:
    return _collection("members", member_schema())


def _collection(name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            name: {"type": "array", "items": item},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
        "links": copy.deepcopy(_COLLECTION_LINKS),
    }
