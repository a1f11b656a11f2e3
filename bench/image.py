#!/usr/bin/env python3
"""bench/image: image upload and download throughput against the raw speed of the same disk.

    .venv/bin/python bench/image.py [--size-mib 1024] [--runs 1] [--image-node]

Starts the whole cloud (``nimbus up``) with its state directory on the filesystem being measured
(``--dir``, default a temporary directory); with ``--image-node`` the transfers go through a
separate image API process instead (``nimbus serve api`` with only the image service, as in
tests/functional/test_image_streaming.py). Then for a generated image of ``--size-mib``:

* disk write: ``dd if=/dev/zero bs=1M conv=fdatasync`` into that filesystem;
* disk read:  ``dd bs=1M iflag=direct`` of that file (O_DIRECT: no page cache);
  ``--disk-runs`` times (the median is used; default once). On a virtual machine whose disk the
  host caches, the write figure is the guest's page-cache speed, not the disk's: about 600 MB/s
  for the first run (the guest faults in fresh memory) and 2 GB/s or more for a run right after
  (it reuses the pages the previous run freed). The upload cannot follow that: it is bound by
  one md5 over the whole image, whose one-core speed is printed as the upload's ceiling;
* upload:     ``PUT /v2/images/{id}/file`` with a streamed body (the store fsyncs, so it is
              compared with the fdatasync write);
* download:   ``GET /v2/images/{id}/file`` streamed, after dropping the stored file from the
              page cache (``posix_fadvise(DONTNEED)``) so it is read from the disk.

It prints MB/s and the ratio to the disk (goal: >= 60 %), the server CPU seconds per GiB (the
figure that stays put when other work shares the host) and the server's peak RSS. The client
does as little as it can in the timed part: the body is generated (no digests: those are
computed before the clock starts) and the download is counted, not hashed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.functional.test_image_streaming import (  # noqa: E402
    BLOCK,
    SizedStream,
    image_endpoint,
    image_node,
    peak_rss_mb,
)
from tests.support.cloud_process import CloudProcess  # noqa: E402

MB = 1_000_000


def dd_speed(args: list[str]) -> float:
    """MB/s as dd reports it (bytes / seconds)."""
    out = subprocess.run(["dd", *args], capture_output=True, text=True, check=True).stderr
    match = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", out)
    assert match, out
    return int(match.group(1)) / float(match.group(2)) / MB


def disk_speeds(directory: Path, size_mib: int, runs: int) -> tuple[list[float], list[float]]:
    target = directory / "dd-bench.tmp"
    writes, reads = [], []
    try:
        for _ in range(runs):
            writes.append(dd_speed(["if=/dev/zero", f"of={target}", "bs=1M",
                                    f"count={size_mib}", "conv=fdatasync"]))
            try:
                reads.append(dd_speed([f"if={target}", "of=/dev/null", "bs=1M",
                                       "iflag=direct"]))
            except subprocess.CalledProcessError:    # no O_DIRECT here: drop the cache
                drop_cache(target)
                reads.append(dd_speed([f"if={target}", "of=/dev/null", "bs=1M"]))
            target.unlink()
    finally:
        target.unlink(missing_ok=True)
    return writes, reads


def md5_speed() -> float:
    """MB/s of md5 on one core. No upload beats it: Glance's ``checksum`` is one md5 over the
    whole image, which cannot be split across cores (nor can the sha512)."""
    block, digest = os.urandom(1024 * 1024), hashlib.md5(usedforsecurity=False)
    started = time.process_time()
    for _ in range(256):
        digest.update(block)
    return 256 * len(block) / (time.process_time() - started) / MB


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(server: CloudProcess, size: int, token: str,
            url: str) -> tuple[float, float, float, float]:
    """Upload and download MB/s, and the server CPU seconds each took."""
    assert server.proc is not None
    pid = server.proc.pid
    headers = {"X-Auth-Token": token}
    image_id = requests.post(f"{url}/v2/images", headers=headers, timeout=30, json={
        "name": "bench", "disk_format": "raw", "container_format": "bare"}).json()["id"]
    expected = SizedStream(size)
    for _ in expected:          # the digests, computed before the clock starts
        pass
    body = SizedStream(size, digest=False)
    cpu = cpu_seconds(pid)
    started = time.monotonic()
    put = requests.put(f"{url}/v2/images/{image_id}/file", data=body, timeout=3600,
                       headers={**headers, "Content-Type": "application/octet-stream"})
    upload = size / (time.monotonic() - started) / MB
    upload_cpu = cpu_seconds(pid) - cpu
    assert put.status_code == 204, put.text
    shown = requests.get(f"{url}/v2/images/{image_id}", headers=headers, timeout=30).json()
    assert shown["os_hash_value"] == expected.sha512.hexdigest()
    drop_cache(server.state_dir / "images" / image_id)
    got = 0
    cpu = cpu_seconds(pid)
    started = time.monotonic()
    with requests.get(f"{url}/v2/images/{image_id}/file", headers=headers, stream=True,
                      timeout=3600) as resp:
        for chunk in resp.iter_content(BLOCK):
            got += len(chunk)
    download = size / (time.monotonic() - started) / MB
    download_cpu = cpu_seconds(pid) - cpu
    assert got == size
    requests.delete(f"{url}/v2/images/{image_id}", headers=headers, timeout=60)
    return upload, download, upload_cpu, download_cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--disk-runs", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--image-node", action="store_true",
                        help="transfer through a separate image API process")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nimbus-bench-image-", dir=args.dir))
    size = args.size_mib * 1024 * 1024
    writes, reads = disk_speeds(work, args.size_mib, args.disk_runs)
    md5 = md5_speed()
    cloud = CloudProcess(work / "state").start()
    server = cloud
    ups, downs, up_cpu, down_cpu = [], [], [], []
    try:
        # Log in first: the password check (a memory-hard KDF) has its own peak.
        token, url = image_endpoint(cloud)
        if args.image_node:
            server = image_node(cloud).start()
            url = f"{server.url}/image"
        assert server.proc is not None
        idle = peak_rss_mb(server.proc.pid)
        for _ in range(args.runs):
            up, down, ucpu, dcpu = one_run(server, size, token, url)
            ups.append(up)
            downs.append(down)
            up_cpu.append(ucpu)
            down_cpu.append(dcpu)
        peak = peak_rss_mb(server.proc.pid)
    finally:
        if server is not cloud:
            server.stop()
        cloud.stop()
        shutil.rmtree(work, ignore_errors=True)
    write, read = statistics.median(writes), statistics.median(reads)
    up, down = statistics.median(ups), statistics.median(downs)
    where = "a separate image API process" if args.image_node else "the whole cloud in one process"
    print(f"image size {args.size_mib} MiB, state dir under {work.parent}, served by {where}")
    print(f"disk write (dd conv=fdatasync): {write:7.1f} MB/s  "
          f"(runs: {', '.join(f'{x:.0f}' for x in writes)})")
    print(f"disk read  (dd iflag=direct):   {read:7.1f} MB/s  "
          f"(runs: {', '.join(f'{x:.0f}' for x in reads)})")
    print(f"upload   (PUT /file, streamed): {up:7.1f} MB/s  = {up / write:5.0%} of disk write"
          f"  (runs: {', '.join(f'{x:.0f}' for x in ups)})  goal >= 60%")
    print(f"download (GET /file, streamed): {down:7.1f} MB/s  = {down / read:5.0%} of disk read"
          f"  (runs: {', '.join(f'{x:.0f}' for x in downs)})  goal >= 60%")
    print(f"md5 on one core:                {md5:7.1f} MB/s  (the upload's ceiling; upload = "
          f"{up / md5:.0%} of it)")
    gib = size / 1024**3
    print(f"server CPU per GiB: upload {statistics.median(up_cpu) / gib:.1f} s, "
          f"download {statistics.median(down_cpu) / gib:.1f} s  "
          "(wall-clock ratios only mean something on an otherwise idle host)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"server peak RSS: {peak:.0f} MB (before the transfers, after login: {idle:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
