"""After `ryoken init && ryoken demo seed`, no seeded personal data is on disk in plaintext."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ryoken.domain.fields import FIELDS_BY_NAME, FieldClass

# `ryoken demo seed` runs in a subprocess, on the machine's clock.
pytestmark = pytest.mark.wall_clock

RYOKEN = [sys.executable, "-m", "ryoken.cli"]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env["RYOKEN_DATA_DIR"] = str(data_dir)
    env.pop("RYOKEN_SECRET_KEY", None)
    return subprocess.run(RYOKEN + args, env=env, capture_output=True, text=True, timeout=300)


def test_it_keeps_seeded_personal_data_out_of_the_database_files(tmp_path):
    data_dir = tmp_path / "office"
    assert _run(["init"], data_dir).returncode == 0
    seeded = _run(["demo", "seed", "--days", "3", "--per-day", "12", "--seed", "7"], data_dir)
    assert seeded.returncode == 0, seeded.stderr
    assert "applications" in seeded.stdout

    # The same office the command seeded, regenerated to know what must not be on disk.
    code = (
        "import json, datetime, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ryoken.web.settings');"
        "django.setup();"
        "from django.utils import timezone;"
        "from ryoken.web.demo import demo_office;"
        "o = demo_office(7, days=3, per_day=12, today=timezone.localdate());"
        "print(json.dumps([p.fields for p in o.persons.values()], ensure_ascii=False))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env["RYOKEN_DATA_DIR"] = str(data_dir)
    env.pop("RYOKEN_SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    import json

    persons = json.loads(out.stdout)
    assert len(persons) > 20
    secrets: set[str] = set()
    for fields in persons:
        for name, value in fields.items():
            cls = FIELDS_BY_NAME[name].field_class
            if cls in (FieldClass.IDENTITY, FieldClass.CONTACT) and len(value) >= 4:
                secrets.add(value)
            if name in ("name_kanji", "name_kana"):
                secrets.update(part for part in value.split() if len(part) >= 2)
    # Staff names are not applicants' data; a given name they share is not a leak.
    from ryoken.web.demo import PERSONAS

    staff_words = {w for persona in PERSONAS for w in (persona[2], *persona[2].split())}
    secrets -= staff_words
    blobs = b"".join(p.read_bytes() for p in data_dir.glob("ryoken.sqlite3*"))
    assert blobs
    leaked = sorted(s for s in secrets if s.encode("utf-8") in blobs)
    assert leaked == []

    verified = _run(["audit", "verify"], data_dir)
    assert verified.returncode == 0, verified.stderr + verified.stdout
    assert "ledger verified" in verified.stdout
    # A fresh demo office is signed and witnessed to its last entry (issue 15).
    assert (data_dir / "witness.log").stat().st_size > 0
    assert "not signed yet" not in verified.stdout
