"""Shared fixtures: mirror servers on 127.0.0.1, temporary databases, `scrapy crawl` runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server import MirrorServer

REPO = Path(__file__).resolve().parents[1]
DEMO_MIRROR = REPO / "crawler" / "demo_mirror"
TEST_MIRROR = REPO / "tests" / "mirror"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture
def mirror_server(tmp_path: Path) -> Iterator[Callable[..., MirrorServer]]:
    """Start a mirror server over the given roots (default: test mirror over the demo mirror)."""
    servers: list[MirrorServer] = []

    def start(*roots: Path) -> MirrorServer:
        roots = roots or tuple(r for r in (TEST_MIRROR, DEMO_MIRROR) if r.is_dir())
        server = MirrorServer(*roots, access_log=tmp_path / f"access-{len(servers)}.log")
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def scrapy_crawl(
    spider: str, *args: str, cwd: Path = REPO, timeout: int = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy crawl SPIDER ARGS`` as users do, from the project directory.

    Scrapy deprecation warnings fail the test here too: pytest's ``filterwarnings`` does not
    reach a subprocess, and ScrapyDeprecationWarning is printed to stderr by default.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert "ScrapyDeprecationWarning" not in result.stderr, result.stderr[-3000:]
    return result
