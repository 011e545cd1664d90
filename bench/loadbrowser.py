"""The simulated clerk's browser: one keep-alive connection (stdlib `http.client`, nothing to
install), a cookie jar, the latest CSRF token, TOTP codes, and timings of every request
from sending it to reading the whole body.

`Stats` collects what a run observed: latencies per page kind, errors, and per grant the
ledger events the pages answered should have written.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import re
import secrets
import struct
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

# --- TOTP (RFC 6238), as django-otp computes it ----------------------------------------------


def totp(key_hex: str, *, at: float, step: int = 30, t0: int = 0, digits: int = 6) -> str:
    counter = int((at - t0) // step)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


# --- what the run records --------------------------------------------------------------------


@dataclass
class Stats:
    """Latencies per page kind, errors, and the ledger events each grant should have."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # (server CPU ms, database queries) per page, from the X-Bench-* response headers.
    costs: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    expected: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Only requests started inside the measured window are timed. Before it, clerks
    # fast-forward to their starting point; after it, they only finish the visit in
    # progress, without pausing, so that every grant closes.
    window_start: float = 0.0
    window_end: float = float("inf")

    def sample(self, kind: str, seconds: float, started: float) -> None:
        if self.window_start <= started < self.window_end:
            with self.lock:
                self.samples[kind].append(seconds)

    def cost(self, kind: str, cpu_ms: float, queries: int, started: float) -> None:
        """The server's own account of one page (the cost headers of bench.web.settings)."""
        if self.window_start <= started < self.window_end:
            with self.lock:
                self.costs[kind].append((cpu_ms, queries))

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def expect(self, grant: str, code: str, n: int) -> None:
        with self.lock:
            self.expected[grant][code] += n
            self.counts[f"answered {code}"] += n


class FlowError(Exception):
    """The server answered something a clerk would not expect; the visit is abandoned."""


@dataclass
class Response:
    status: int
    location: str
    body: str
    content_type: str = ""
    data: bytes = b""  # the raw body (an image, for the fault tests' checks)


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One clerk's browser: a keep-alive connection, cookies, the CSRF token, timings."""

    def __init__(self, host: str, port: int, stats: Stats, timeout: float = 120.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.keepalive = 25.0  # below the server's keep-alive: reconnect rather than race it

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        idle = time.monotonic() - self.last_used
        if self.conn is not None and idle < self.keepalive:
            return self.conn, True
        self.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn, False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _store_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self,
        method: str,
        path: str,
        kind: str,
        *,
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        record: bool = True,
        language: str = "ja",
    ) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "Accept-Language": language}
        body: bytes | None = None
        if method == "POST":
            data = dict(form or {})
            data["csrfmiddlewaretoken"] = self.csrf
            if files:
                body, headers["Content-Type"] = _multipart(data, files)
            else:
                body = urlencode(data).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{self.host}:{self.port}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn, reused = self._connection()
            started = time.monotonic()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                payload = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                # As browsers do: a reused connection closed under us is retried once.
                if reused and attempt == 1:
                    self.stats.count("reconnects")
                    continue
                raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
            elapsed = time.perf_counter() - start
            break
        self.last_used = time.monotonic()
        if record:
            self.stats.sample(kind, elapsed, started)
            cpu_us, queries = raw.headers.get("X-Bench-CPU-us"), raw.headers.get("X-Bench-Queries")
            if cpu_us is not None and queries is not None:
                self.stats.cost(kind, int(cpu_us) / 1000, int(queries), started)
        self._store_cookies(raw.headers.get_all("Set-Cookie") or [])
        text = payload.decode("utf-8", "replace") if _is_text(raw) else ""
        token = _CSRF.search(text)
        if token:
            self.csrf = token.group(1)
        location = urlsplit(raw.headers.get("Location") or "")
        target = location.path + (f"?{location.query}" if location.query else "")
        content_type = raw.headers.get("Content-Type") or ""
        return Response(raw.status, target, text, content_type, payload)

    def expect(self, method: str, path: str, kind: str, status: int, **kwargs: Any) -> Response:
        response = self.request(method, path, kind, **kwargs)
        if response.status != status:
            raise FlowError(f"{kind}: HTTP {response.status} (expected {status}){why(response)}")
        return response


def _is_text(raw: http.client.HTTPResponse) -> bool:
    return (raw.headers.get("Content-Type") or "").startswith("text/")


_ERROR = re.compile(r'class="(?:error|messages?[^"]*)"[^>]*>\s*([^<]{1,160})')


def why(response: Response) -> str:
    found = _ERROR.search(response.body)
    return f": {found.group(1).strip()}" if found else ""


def _multipart(data: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----ryokenbench" + secrets.token_hex(8)
    parts: list[bytes] = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
