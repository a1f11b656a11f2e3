"""Secrets never reach a log line."""

from __future__ import annotations

from nimbus.core.logs import mask


def test_passwords_and_tokens_are_masked() -> None:
    line = ('{"auth": {"password": "hunter2"}} X-Auth-Token: gAAAAABrAUVDNSRRfGvbsHVJEtmm022d4g0c '
            '"secret": "s3"')
    out = mask(line)
    assert "hunter2" not in out and "s3\"" not in out
    assert "gAAAAABrAUVD" not in out
