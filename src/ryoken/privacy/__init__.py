"""Envelope encryption, blind indexes, and what each step may disclose. Pure Python."""
