"""Intake at the application window: the paper form, romaji, scans, review, acceptance."""
