"""A second passport-office event generator, written independently of ryoken.sim.

Seed in, files out: `generate(config, seed, out_dir)` simulates `days` office days of one of
`CONFIGS` and writes events.jsonl (event schema v2), staff.csv, subjects.csv and truth.json
(spec: docs/office2.md). With `insider=` one of `INSIDER_KINDS`, the same office plus one
insider's own events, whose line numbers truth.json lists.
"""

from __future__ import annotations

from ryoken.office2.config import CONFIGS, Office2Config
from ryoken.office2.insiders import INSIDER_KINDS
from ryoken.office2.output import generate

__all__ = ["CONFIGS", "INSIDER_KINDS", "Office2Config", "generate"]
