"""`ryoken witness init|trust|vkey|serve`: a minimal C2SP tlog-witness for the prefecture.

The witness runs on the audit bureau's own machine, with no Django, no database and none of
the passport office's keys: a directory holding its Ed25519 cosigner key (0600), the log
keys it trusts (config.json), the latest checkpoint it cosigned per log (state.json,
replaced atomically and fsynced before it answers) and every note it cosigned
(cosigned.log, append-only, the bureau's own record). The protocol logic is
ryoken.audit.witness; this module is the stdlib HTTP server around it (put nginx with TLS
in front of it in production). Why stdlib and not a Django view:
docs/decisions/0051-a-standalone-witness.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ryoken import clock
from ryoken.audit import notes
from ryoken.audit import witness as wit
from ryoken.audit.checkpoints import generate_signing_key, load_private_key
from ryoken.audit.signers import KeyFileSigner
from ryoken.errors import ConfigurationError, InvalidInput

KEY_FILE = "witness.pem"
CONFIG = "config.json"
STATE = "state.json"
RECORD = "cosigned.log"


def _config(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"{directory} is not a witness directory: run `ryoken witness init`"
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"{directory / CONFIG} is unreadable: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("logs"), list):
        raise ConfigurationError(f"{directory / CONFIG} is not a witness configuration")
    return data


def _write_json(path: Path, data: object) -> None:
    """Replace `path` atomically and durably."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileState:
    """The witness's latest cosigned checkpoint per origin, in state.json."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        path = self.directory / STATE
        if not path.exists():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ConfigurationError(f"{path} is not a witness state")
        return data

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with self._lock:
            row = self._load().get(origin)
        if row is None:
            return None
        return int(row["size"]), base64.b64decode(row["root"])

    def record(self, origin: str, size: int, root: bytes, note: str) -> None:
        with self._lock:
            with open(self.directory / RECORD, "a", encoding="utf-8") as handle:
                handle.write(note + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            data = self._load()
            data[origin] = {"size": size, "root": base64.b64encode(root).decode("ascii")}
            _write_json(self.directory / STATE, data)


def load_witness(directory: Path) -> wit.Witness:
    config = _config(directory)
    try:
        key = load_private_key((directory / KEY_FILE).read_bytes())
    except FileNotFoundError:
        raise ConfigurationError(f"the witness key {directory / KEY_FILE} is missing") from None
    if (directory / KEY_FILE).stat().st_mode & 0o077:
        raise ConfigurationError(f"the witness key {directory / KEY_FILE} is readable by others")
    logs: dict[str, list[notes.VerifierKey]] = {}
    for text in config["logs"]:
        try:
            log_key = notes.parse_vkey(text)
        except InvalidInput as error:
            raise ConfigurationError(f"{directory / CONFIG}: {error.message}") from None
        logs.setdefault(log_key.name, []).append(log_key)
    return wit.Witness(KeyFileSigner(key, str(config["name"])), logs, FileState(directory))


def unix_now() -> int:
    """The witness's clock for cosignature timestamps (POSIX seconds)."""
    return int(clock.timestamp())


def make_handler(
    witness: wit.Witness, prefix: str, now: Callable[[], int] = unix_now, quiet: bool = False
) -> type[BaseHTTPRequestHandler]:
    path = prefix.rstrip("/") + "/add-checkpoint"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec recommends
        server_version = "ryoken-witness"

        def _send(self, response: wit.Response) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def do_POST(self) -> None:
            if self.path != path:
                self._send(wit.Response(404, b"not found\n"))
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= wit.MAX_BODY:
                self._send(wit.Response(400, b"bad or missing Content-Length\n"))
                return
            body = self.rfile.read(length)
            self._send(witness.add_checkpoint(body, now=now()))

        def do_GET(self) -> None:
            self._send(wit.Response(200, (witness.verifier_key().text() + "\n").encode()))

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:
                print(f"witness: {self.address_string()} {format % args}", flush=True)

    return Handler


def serve(
    directory: Path,
    host: str,
    port: int,
    prefix: str = "",
    now: Callable[[], int] = unix_now,
    quiet: bool = False,
) -> ThreadingHTTPServer:
    """A server ready to `serve_forever()` (tests run it in a thread on port 0)."""
    witness = load_witness(directory)
    return ThreadingHTTPServer((host, port), make_handler(witness, prefix, now, quiet))


# --- commands -----------------------------------------------------------------------------


def _dir(args: argparse.Namespace) -> Path:
    value = args.dir or os.environ.get("RYOKEN_WITNESS_DIR")
    if not value:
        raise InvalidInput("give --dir or set RYOKEN_WITNESS_DIR")
    return Path(value)


def cmd_init(args: argparse.Namespace) -> int:
    directory = _dir(args)
    notes.check_name(args.name, "witness name")
    if (directory / KEY_FILE).exists():
        raise ConfigurationError(f"{directory} already holds a witness key")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_pem, _ = generate_signing_key()
    fd = os.open(directory / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    _write_json(directory / CONFIG, {"name": args.name, "logs": []})
    print(load_witness(directory).verifier_key().text())
    return 0


def cmd_trust(args: argparse.Namespace) -> int:
    directory = _dir(args)
    config = _config(directory)
    key = notes.parse_vkey(args.vkey)
    if key.sig_type != notes.ED25519:
        raise InvalidInput("a log's vkey has type 0x01 (`ryoken audit vkey` prints it)")
    if args.vkey.strip() not in config["logs"]:
        config["logs"].append(args.vkey.strip())
        _write_json(directory / CONFIG, config)
    print(f"witness trusts the log {key.name} (key ID {key.key_id:08x})")
    return 0


def cmd_vkey(args: argparse.Namespace) -> int:
    print(load_witness(_dir(args)).verifier_key().text())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    server = serve(_dir(args), args.host, args.port, args.prefix)
    print(f"witness listening on http://{args.host}:{server.server_address[1]}{args.prefix}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "witness", help="a C2SP tlog-witness for an auditor (no database needed)"
    )
    sub = parser.add_subparsers(dest="witness_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("init", help="create a witness key and configuration in DIR")
    p.add_argument("--dir", help="the witness directory (or RYOKEN_WITNESS_DIR)")
    p.add_argument("--name", required=True, help="the witness's key name, e.g. pref.example/w1")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("trust", help="trust a log's checkpoints (its vkey, type 0x01)")
    p.add_argument("--dir")
    p.add_argument("vkey")
    p.set_defaults(func=cmd_trust)
    p = sub.add_parser("vkey", help="print the witness's cosigner vkey (type 0x04)")
    p.add_argument("--dir")
    p.set_defaults(func=cmd_vkey)
    p = sub.add_parser("serve", help="answer add-checkpoint requests over HTTP")
    p.add_argument("--dir")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7380)
    p.add_argument("--prefix", default="", help="URL prefix before /add-checkpoint")
    p.set_defaults(func=cmd_serve)
