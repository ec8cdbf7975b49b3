"""Issue 22 item 8: every redirect hop is checked; one deadline per fetch, not per read.

A local HTTP server on 127.0.0.1 only; each handler sends a bounded number of bytes and stops.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from ttpmap import InputError
from ttpmap.feeds._reader import urllib_fetch


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/feed.xml")
            self.end_headers()
        elif self.path == "/to-ok":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.end_headers()
        elif self.path == "/ok":
            body = b"<rss/>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(40):  # a byte every 0.1 s, for 4 s at most
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_item8_redirect_scheme_checked_on_every_hop(server: str) -> None:
    with pytest.raises(InputError, match="not an http"):
        urllib_fetch(f"{server}/to-ftp", timeout=5)
    assert urllib_fetch(f"{server}/to-ok", timeout=5) == b"<rss/>"


def test_item8_one_deadline_per_fetch_not_per_read(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(InputError, match=r"within 0\.5 s"):
        urllib_fetch(f"{server}/trickle", timeout=0.5)  # each read is quick: only a deadline ends it
    assert time.monotonic() - start < 3
