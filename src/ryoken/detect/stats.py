"""Small statistics shared by the detectors (pure numpy; no polars, no detector imports)."""

from __future__ import annotations

import numpy as np

_K_MAX = 40  # loads above this are bursts whatever the rate


def tail_threshold(mu: np.ndarray, alpha: float, k_min: int) -> tuple[np.ndarray, np.ndarray]:
    """For Poisson means `mu`: the smallest k ≥ k_min with P(X ≥ k) ≤ alpha, and P(X ≥ k).
    One pass over k with vectors the size of `mu` (a year of a large office has millions of
    tasks: a tasks × k matrix would not fit)."""
    mu = np.clip(np.asarray(mu, dtype=np.float64), 1e-9, None)
    k = np.full(len(mu), _K_MAX, dtype=np.int64)
    e = np.zeros(len(mu))
    found = np.zeros(len(mu), dtype=bool)
    pmf = np.exp(-mu)  # P(X = 0)
    below = np.zeros(len(mu))  # P(X < j)
    for j in range(_K_MAX + 1):
        tail = np.clip(1.0 - below, 0.0, 1.0)  # P(X ≥ j)
        hit = ~found & (tail <= alpha) & (j >= k_min)
        k[hit], e[hit] = j, tail[hit]
        found |= hit
        if found.all():
            break
        below += pmf
        pmf = pmf * mu / (j + 1)
    return k, e
