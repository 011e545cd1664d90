"""A synthetic passport office, deterministic for a given seed. Pure Python."""
