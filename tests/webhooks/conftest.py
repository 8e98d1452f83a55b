"""A tiny HTTP receiver on 127.0.0.1 that records what it is sent."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def receiver():
    """Yields an object with .url, .requests (list of (headers, body)) and .status (int,
    the code it answers with; change it to simulate a failing endpoint)."""

    class State:
        url = ""
        status = 200
        requests: list[tuple[dict[str, str], bytes]] = []

    state = State()
    state.requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append((dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"thanks")

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
