"""An extra API process of a cloud, started by its first process (``cmd/workers.py``)."""

from __future__ import annotations

import os
import sys


def main() -> int:
    from nimbus.cmd import up, workers

    spec = workers.worker_spec()
    os.umask(0o077)
    return up.run_api_worker(spec["overrides"], spec["bridge"])


if __name__ == "__main__":
    sys.exit(main())
