"""Fixed limits and reserved names of the image service."""

from __future__ import annotations

# Glance's image_property_quota, image_tag_quota and image_member_quota defaults.
PROPERTY_QUOTA = 128
TAG_QUOTA = 128
MEMBER_QUOTA = 128
MAX_TAG_LENGTH = 255
MAX_PROPERTY_KEY = 255

# Glance's limit_param_default and api_limit_max: a list page's size when none is asked for,
# and the most one page may hold.
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000

# Reserved properties the service itself maintains while an import or copy runs; clients read
# them but never set them.
IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"
TASK = "os_glance_import_task"

# The hash algorithm of ``os_hash_value`` (Glance's ``hashing_algorithm``).
HASH_ALGO = "sha512"

# The task types ``/v2/tasks`` records: the legacy import, an interoperable import, a location
# read.
LEGACY_IMPORT_TASK = "import"
IMPORT_TASK = "api_image_import"
LOCATION_TASK = "location_import"
