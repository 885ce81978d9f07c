"""Run :func:`crawler.mirror.serve_mirror` on 127.0.0.1 in a subprocess, for tests.

``python -m tests.server ROOT [ROOT ...] --log FILE`` prints its base URL on the first line of
stdout. Roots are searched in order, so a test can lay its own pages over the demo mirror; the
access log (``METHOD PATH STATUS`` per line) is how tests check what a crawl fetched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from crawler.mirror import serve_mirror


class MirrorServer:
    """Context manager running :mod:`tests.server` in a subprocess."""

    def __init__(self, *roots: Path, access_log: Path):
        self.roots = roots
        self.access_log = access_log
        self.url = ""

    def __enter__(self) -> MirrorServer:
        cmd = [sys.executable, "-u", "-m", "tests.server", *map(str, self.roots)]
        cmd += ["--log", str(self.access_log)]
        repo = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"mirror server did not start: {self.url!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def fetched(self) -> list[str]:
        """Paths requested so far, in order (``GET /HOST/PATH``)."""
        time.sleep(0.05)  # the handler writes after responding
        if not self.access_log.exists():
            return []
        return [line.split(" ")[1] for line in self.access_log.read_text().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 0)))
    args = parser.parse_args()
    with serve_mirror(*args.roots, access_log=args.log, port=args.port) as httpd:
        print(f"http://127.0.0.1:{httpd.server_address[1]}", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
