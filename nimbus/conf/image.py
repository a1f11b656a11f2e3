"""Image settings: stores, upload rules, imports, quotas and caches."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImageSettings:
    # The primary store's driver (``file``, ``object``, ``fake``...).
    store: str = "file"
    # ``id:driver`` pairs, highest weight first; empty: the primary store, plus ``object`` when
    # the object service runs, plus the read-only web store when downloads are allowed.
    stores: list[str] = field(default_factory=list)
    default_store: str = ""
    object_container: str = "glance-images"
    # Bytes; an upload beyond this is refused (Glance's ``image_size_cap``).
    size_cap: int = 1024 ** 4
    # Refuse content the inspector does not recognise, not only content it finds unsafe.
    strict_formats: bool = False
    import_workers: int = 2
    # Seconds each import waits before it moves any bytes, so that a test can stop the cloud
    # while imports are under way; 0 (no wait) outside such tests.
    import_delay: float = 0.0
    # Format the glance-direct/web-download import converts to; empty: no conversion.
    import_convert_to: str = "raw"
    # Hosts (or host:port) web-download and the HTTP store may fetch from.
    web_download_allow: list[str] = field(default_factory=list)
    do_secure_hash: bool = True
    show_multiple_locations: bool = True
    file_direct_io: bool = True
    # None: use unified limits exactly when the identity service runs in this cloud.
    use_keystone_limits: bool | None = None
    limits_cache_seconds: float = 30.0
    count_total: int = 1000
    size_total: int = 1024 * 1024
    stage_total: int = 1024 * 1024
    count_uploading: int = 100
    cache_max_bytes: int = 20 * 1024 ** 3
    api_cache_max_bytes: int = 10 * 1024 ** 3
