"""The S3 API against a whole cloud, with unmodified boto3 and aws CLI: keys from
`openstack ec2 credentials create`, the endpoint from the catalog's ``s3`` entry, and the same
data through Swift's API."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("identity", "openstack ec2 credentials create/list/show/delete"),
    ("object", "S3 API with boto3 and the aws CLI: buckets, ranges, a 50 MB multipart upload, "
               "ListObjectsV2 with prefix and delimiter, presigned GET, bad signatures"),
]

pytestmark = pytest.mark.functional
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("s3") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def keys(cloud: CloudProcess) -> dict[str, str]:
    cred = cloud.openstack_json("ec2", "credentials", "create", cloud="nimbus-demo")
    assert cred["access"] and cred["secret"]
    listed = cloud.openstack_json("ec2", "credentials", "list", cloud="nimbus-demo")
    assert [c["Access"] for c in listed] == [cred["access"]]
    shown = cloud.openstack_json("ec2", "credentials", "show", cred["access"],
                                 cloud="nimbus-demo")
    assert shown["secret"] == cred["secret"]
    return {"access": cred["access"], "secret": cred["secret"]}


def _endpoint(cloud: CloudProcess) -> str:
    catalog = cloud.openstack_json("catalog", "show", "s3")
    urls = {e["interface"]: e["url"] for e in catalog["endpoints"]}
    assert urls["public"] == f"{cloud.url}/object/s3"
    return str(urls["public"])


def _client(cloud: CloudProcess, access: str, secret: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=_endpoint(cloud), aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def test_boto3(cloud: CloudProcess, keys: dict[str, str], tmp_path: Path) -> None:
    from boto3.s3.transfer import TransferConfig
    from botocore.exceptions import ClientError

    s3 = _client(cloud, keys["access"], keys["secret"])
    s3.create_bucket(Bucket="boto-bucket")
    s3.put_object(Bucket="boto-bucket", Key="docs/readme.txt", Body=b"0123456789",
                  Metadata={"colour": "blue"})
    got = s3.get_object(Bucket="boto-bucket", Key="docs/readme.txt", Range="bytes=2-5")
    assert got["Body"].read() == b"2345" and got["ContentRange"] == "bytes 2-5/10"
    assert s3.head_object(Bucket="boto-bucket", Key="docs/readme.txt")["Metadata"] == {
        "colour": "blue"}
    # 50 MB in 8 MB parts, uploaded by several threads at once.
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(50 * 1024 * 1024))
    config = TransferConfig(multipart_threshold=8 * 1024 * 1024,
                            multipart_chunksize=8 * 1024 * 1024)
    s3.upload_file(str(big), "boto-bucket", "docs/big.bin", Config=config)
    head = s3.head_object(Bucket="boto-bucket", Key="docs/big.bin")
    assert head["ContentLength"] == 50 * 1024 * 1024 and head["ETag"].endswith('-7"')
    back = tmp_path / "back.bin"
    s3.download_file("boto-bucket", "docs/big.bin", str(back))
    assert hashlib.md5(back.read_bytes()).digest() == hashlib.md5(big.read_bytes()).digest()
    s3.put_object(Bucket="boto-bucket", Key="top.txt", Body=b"t")
    listed = s3.list_objects_v2(Bucket="boto-bucket", Delimiter="/")
    assert [c["Key"] for c in listed["Contents"]] == ["top.txt"]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["docs/"]
    listed = s3.list_objects_v2(Bucket="boto-bucket", Prefix="docs/")
    assert [c["Key"] for c in listed["Contents"]] == ["docs/big.bin", "docs/readme.txt"]
    # A presigned GET, fetched by a client that knows nothing of S3.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "boto-bucket",
                                                          "Key": "docs/readme.txt"},
                                    ExpiresIn=60)
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.read() == b"0123456789"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace("readme.txt", "big.bin"), timeout=30)
    assert refused.value.code == 403
    # The same objects through Swift's API.
    names = [o["Name"] for o in cloud.openstack_json("object", "list", "boto-bucket",
                                                     cloud="nimbus-demo")]
    assert names == ["docs/big.bin", "docs/readme.txt", "top.txt"]
    # A wrong secret is refused with S3's own error code.
    with pytest.raises(ClientError) as bad:
        _client(cloud, keys["access"], "not-the-secret").list_buckets()
    assert bad.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    for key in ("docs/readme.txt", "docs/big.bin", "top.txt"):
        s3.delete_object(Bucket="boto-bucket", Key=key)
    s3.delete_bucket(Bucket="boto-bucket")
    assert "boto-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert cloud.server_errors() == []


def _aws(cloud: CloudProcess, keys: dict[str, str], tmp_path: Path, *args: str,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=keys["access"], AWS_SECRET_ACCESS_KEY=keys["secret"],
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    result = subprocess.run([str(BIN / "aws"), "--endpoint-url", _endpoint(cloud), *args],
                            env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return result


def test_aws_cli(cloud: CloudProcess, keys: dict[str, str], tmp_path: Path) -> None:
    _aws(cloud, keys, tmp_path, "s3", "mb", "s3://cli-bucket")
    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello from the aws cli\n")
    _aws(cloud, keys, tmp_path, "s3", "cp", str(src), "s3://cli-bucket/dir/hello.txt")
    listing = _aws(cloud, keys, tmp_path, "s3", "ls", "s3://cli-bucket/dir/").stdout
    assert "hello.txt" in listing
    out = tmp_path / "part.txt"
    _aws(cloud, keys, tmp_path, "s3api", "get-object", "--bucket", "cli-bucket", "--key",
         "dir/hello.txt", "--range", "bytes=0-4", str(out))
    assert out.read_bytes() == b"hello"
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    _aws(cloud, keys, tmp_path, "s3", "cp", str(big), "s3://cli-bucket/big.bin")
    back = tmp_path / "big-back.bin"
    _aws(cloud, keys, tmp_path, "s3", "cp", "s3://cli-bucket/big.bin", str(back))
    assert back.read_bytes() == big.read_bytes()
    bad = _aws(cloud, {**keys, "secret": "wrong"}, tmp_path, "s3", "ls", check=False)
    assert bad.returncode != 0 and "SignatureDoesNotMatch" in bad.stderr
    _aws(cloud, keys, tmp_path, "s3", "rb", "--force", "s3://cli-bucket")
    assert "cli-bucket" not in _aws(cloud, keys, tmp_path, "s3", "ls").stdout
    cloud.openstack("ec2", "credentials", "delete", keys["access"], cloud="nimbus-demo")
    gone = _aws(cloud, keys, tmp_path, "s3", "ls", check=False)
    assert gone.returncode != 0 and "InvalidAccessKeyId" in gone.stderr
    assert cloud.server_errors() == []
