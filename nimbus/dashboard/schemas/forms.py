"""The dashboard's forms as it reads them: each field checked, and the first problem named."""

from __future__ import annotations

from dataclasses import dataclass

# Keystone's own limit on a user name (and a password is no longer than it allows).
MAX_NAME = 255
MAX_PASSWORD = 4096


@dataclass(frozen=True)
class LoginForm:
    username: str
    password: str
    domain: str
    region: str


def login_form(fields: dict[str, str], region: str) -> tuple[LoginForm, str]:
    """The login form, and what is wrong with it ("" when nothing)."""
    form = LoginForm(username=fields.get("username", "").strip(),
                     password=fields.get("password", ""),
                     domain=fields.get("domain", "").strip() or "Default",
                     region=fields.get("region", "").strip() or region)
    if not form.username:
        return form, "User Name: this field is required."
    if not form.password:
        return form, "Password: this field is required."
    if len(form.username) > MAX_NAME or len(form.domain) > MAX_NAME:
        return form, f"User Name and Domain: at most {MAX_NAME} characters."
    if len(form.password) > MAX_PASSWORD:
        return form, "Password: too long."
    if form.region != region:
        return form, f"Region: {form.region!r} is not a region of this cloud."
    return form, ""


# Nova's own ceiling for one request's count is the quota; this keeps a typo from asking for
# a million before the quota check says no.
MAX_COUNT = 100
SOURCE_TYPES = ("image", "volume", "snapshot")
LAUNCH_FIELDS = ("name", "count", "source_type", "source", "flavor", "networks",
                 "security_groups", "key_name", "import_key", "user_data", "config_drive",
                 "server_group", "zone")


@dataclass(frozen=True)
class LaunchForm:
    name: str = ""
    count: int = 1
    source_type: str = "image"
    source: str = ""
    flavor: str = ""
    networks: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    key_name: str = ""
    import_key: str = ""
    user_data: str = ""
    config_drive: bool = False
    server_group: str = ""
    zone: str = ""


def launch_form(fields: dict[str, list[str]]) -> tuple[LaunchForm, dict[str, str]]:
    """The launch form, and a message per field that is wrong (empty: nothing is)."""
    def one(name: str) -> str:
        return (fields.get(name) or [""])[0].strip()

    problems: dict[str, str] = {}
    try:
        count = int(one("count") or "1")
    except ValueError:
        count = 1
        problems["count"] = "Count: a whole number."
    if not 1 <= count <= MAX_COUNT:
        problems["count"] = f"Count: from 1 to {MAX_COUNT}."
    form = LaunchForm(
        name=one("name"), count=count, source_type=one("source_type") or "image",
        source=one("source"), flavor=one("flavor"),
        networks=tuple(v for v in fields.get("networks", []) if v),
        security_groups=tuple(v for v in fields.get("security_groups", []) if v),
        key_name=one("key_name"), import_key=one("import_key"),
        user_data=(fields.get("user_data") or [""])[0],
        config_drive=one("config_drive") in ("on", "true", "1"),
        server_group=one("server_group"), zone=one("zone"))
    if not form.name:
        problems["name"] = "Instance Name: this field is required."
    elif len(form.name) > MAX_NAME:
        problems["name"] = f"Instance Name: at most {MAX_NAME} characters."
    if form.source_type not in SOURCE_TYPES:
        problems["source_type"] = "Boot Source: image, volume or snapshot."
    if not form.source:
        problems["source"] = "Source: choose what the instance boots from."
    if not form.flavor:
        problems["flavor"] = "Flavor: choose one."
    if form.import_key and not form.key_name:
        problems["key_name"] = "Key Pair: name the key being imported."
    if len(form.user_data) > 65535:
        problems["user_data"] = "Customization Script: at most 64 KiB."
    return form, problems


def field_of(message: str) -> str:
    """The form field a service's fault names, so the message is shown beside it ("" when
    it names none the form has)."""
    lowered = message.lower()
    for needle, name in (("flavor", "flavor"), ("image", "source"), ("volume", "source"),
                         ("snapshot", "source"), ("network", "networks"),
                         ("security group", "security_groups"), ("key", "key_name"),
                         ("keypair", "key_name"), ("user_data", "user_data"),
                         ("availability zone", "zone"), ("group", "server_group"),
                         ("quota", "count"), ("name", "name")):
        if needle in lowered:
            return name
    return ""


DISK_FORMATS = ("qcow2", "raw", "iso", "vmdk", "vdi", "vhd", "vhdx", "ami", "ari", "aki",
                "ploop")
CONTAINER_FORMATS = ("bare", "ovf", "ova", "aki", "ari", "ami", "docker", "compressed")
VISIBILITIES = ("private", "shared", "community", "public")


@dataclass(frozen=True)
class ImageForm:
    name: str = ""
    disk_format: str = "qcow2"
    container_format: str = "bare"
    visibility: str = "private"
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    #: "file" (the browser sends the data next) or "url"
    source: str = "file"
    url: str = ""


def image_form(fields: dict[str, str]) -> tuple[ImageForm, dict[str, str]]:
    problems: dict[str, str] = {}

    def number(name: str, title: str) -> int:
        raw = fields.get(name, "").strip() or "0"
        if not raw.isdigit():
            problems[name] = f"{title}: a whole number of 0 or more."
            return 0
        return int(raw)

    form = ImageForm(
        name=fields.get("name", "").strip(),
        disk_format=fields.get("disk_format", "qcow2"),
        container_format=fields.get("container_format", "bare"),
        visibility=fields.get("visibility", "private"),
        min_disk=number("min_disk", "Minimum Disk (GB)"),
        min_ram=number("min_ram", "Minimum RAM (MB)"),
        protected=fields.get("protected") in ("on", "true", "1"),
        source=fields.get("source", "file"), url=fields.get("url", "").strip())
    if not form.name:
        problems["name"] = "Image Name: this field is required."
    elif len(form.name) > MAX_NAME:
        problems["name"] = f"Image Name: at most {MAX_NAME} characters."
    if form.disk_format not in DISK_FORMATS:
        problems["disk_format"] = "Format: choose one of the list."
    if form.container_format not in CONTAINER_FORMATS:
        problems["container_format"] = "Container Format: choose one of the list."
    if form.visibility not in VISIBILITIES:
        problems["visibility"] = "Visibility: choose one of the list."
    if form.source not in ("file", "url"):
        problems["source"] = "Image Source: a file or a URL."
    elif form.source == "url" and not form.url.startswith(("http://", "https://")):
        problems["url"] = "Image Location: an http:// or https:// URL."
    return form, problems
