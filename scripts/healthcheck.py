"""Container health check: exit 0 when gunicorn answers /health/ with {"status": "ok"}.

Sends a Host header from ALLOWED_HOSTS, so Django's host validation accepts the request.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

URL = "http://127.0.0.1:8000/health/"


def allowed_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(URL, headers={"Host": allowed_host()})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed URL)
            body = json.load(response)
    except (OSError, ValueError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if body != {"status": "ok"}:
        print(f"unhealthy: {body!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
