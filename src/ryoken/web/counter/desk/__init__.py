"""The inquiry desk and a supervisor's assist at /desk/ (docs/inquiry-desk.md)."""
