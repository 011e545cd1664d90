"""Explanations, detectors, cases and their evaluation. Pure Python over Polars frames.

    load.py        events.jsonl / staff.csv / subjects.csv → frames, validated by line
    explain.py     which grant explains each disclosure, match, search, print, copy
    detectors.py   per-person, time, bulk, credential and canary detectors → signals
    footprints.py  rates per person served against peers and one's own first weeks
    cases.py       signals → scored, ranked cases with reasons (ja/en) and alerts
    metrics.py     a run's cases against its truth (raw and twin-robust); many runs into a scorecard
    report.py      the onboarding report (`ryoken detect --report`)
    config.py      every threshold and weight, with why

The public entry points are re-exported here.
"""

from ryoken.detect.cases import Detection, case_records, detect
from ryoken.detect.config import DetectConfig
from ryoken.detect.load import load_events, load_staff, load_subjects, read_events

__all__ = [
    "DetectConfig",
    "Detection",
    "case_records",
    "detect",
    "load_events",
    "load_staff",
    "load_subjects",
    "read_events",
]
