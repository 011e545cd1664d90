"""Scoping, attribution, APPI report content and notices. Pure Python."""
