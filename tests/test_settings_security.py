"""Security settings: read from the effective settings of every spider, and seen in action.

The settings part checks what each spider really runs with (project settings plus the
spider's ``custom_settings``). The behaviour part runs ``scrapy fetch`` from the project, as
an operator would: a ``file://`` URL and a self-signed https server are both refused, and the
same commands with Scrapy's defaults show what the settings prevent.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from scrapy.settings import Settings
from scrapy.settings import default_settings as scrapy_defaults
from scrapy.spiderloader import SpiderLoader

from crawler.run import project_settings

REPO = Path(__file__).resolve().parents[1]
SPIDERS = SpiderLoader.from_settings(project_settings()).list()


def effective_settings(spider: str) -> Settings:
    settings = project_settings()
    SpiderLoader.from_settings(settings).load(spider).update_settings(settings)
    return settings


@pytest.fixture(params=SPIDERS)
def settings(request: pytest.FixtureRequest) -> Settings:
    return effective_settings(request.param)


def test_local_file_and_data_urls_cannot_be_fetched(settings: Settings) -> None:
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert handlers["file"] is None
    assert handlers["data"] is None


def test_certificates_are_verified(settings: Settings) -> None:
    assert settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES") is True


def test_no_listener_is_opened(settings: Settings) -> None:
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_size_time_and_depth_are_bounded(settings: Settings) -> None:
    # A news page is well under a few MiB; a cron run must never hang on one request, nor
    # follow a chain of links (a pagination trap the trap check cannot see) forever.
    assert 1 * 2**20 <= settings.getint("DOWNLOAD_MAXSIZE") <= 64 * 2**20
    assert 0 < settings.getint("DOWNLOAD_WARNSIZE") <= settings.getint("DOWNLOAD_MAXSIZE")
    assert 5 <= settings.getfloat("DOWNLOAD_TIMEOUT") <= 60
    assert settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS") is True
    assert settings.getint("MEMUSAGE_LIMIT_MB") > 0
    assert 0 < settings.getint("DEPTH_LIMIT") <= 100


def test_polite_identity(settings: Settings) -> None:
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    agent = settings.get("USER_AGENT")
    assert agent != scrapy_defaults.USER_AGENT
    assert "govnews" in agent and "+http" in agent  # who we are and where to read about it


def test_loss_accounting_middlewares_are_enabled(settings: Settings) -> None:
    assert "crawler.middlewares.LostPageMiddleware" in settings.getwithbase("SPIDER_MIDDLEWARES")
    assert "crawler.middlewares.RedirectGuardMiddleware" in settings.getwithbase(
        "DOWNLOADER_MIDDLEWARES"
    )


def scrapy_fetch(url: str, override: str) -> tuple[str, str]:
    """What ``scrapy fetch URL`` prints with the project settings, and with ``-s override``.

    Run side by side: each command spends most of its time starting up.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    base = [sys.executable, "-m", "scrapy", "fetch", "--nolog"]
    procs = [
        subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for cmd in ([*base, url], [*base, "-s", override, url])
    ]
    project, changed = (proc.communicate(timeout=60)[0] for proc in procs)
    return project, changed


def test_a_file_url_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-41c9")
    project, stock = scrapy_fetch(secret.as_uri(), "DOWNLOAD_HANDLERS={}")
    assert "TOP-SECRET" not in project
    assert "TOP-SECRET" in stock  # Scrapy's default handlers read it


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[str]:
    """An https server on 127.0.0.1 with a self-signed certificate (no CA will vouch for it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>FORGED-PAGE</body></html>")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    # Handshake in the request thread: a refused client must not stall the accept loop.
    httpd.socket = context.wrap_socket(
        httpd.socket, server_side=True, do_handshake_on_connect=False
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/news/"
    httpd.shutdown()
    httpd.server_close()


def test_an_untrusted_certificate_is_refused(self_signed_server: str) -> None:
    project, stock = scrapy_fetch(self_signed_server, "DOWNLOAD_VERIFY_CERTIFICATES=False")
    assert "FORGED-PAGE" not in project
    assert "FORGED-PAGE" in stock  # Scrapy's default takes the forged page
