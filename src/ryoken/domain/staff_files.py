"""The staff file's columns: one list for the simulator that writes it (sim/output.py) and
detection that reads it (detect/load.py)."""

from __future__ import annotations

STAFF_COLUMNS = (
    "staff_id",
    "role",
    "employer_kind",
    "vendor",
    "hired_on",
    "contract_end",
    "notice_given_on",
    "office",
    "surname_token",
    "area_token",
)
