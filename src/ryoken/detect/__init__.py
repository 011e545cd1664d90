"""Explanations, detectors, cases and their evaluation. Pure Python."""
