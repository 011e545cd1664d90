"""What the rate detectors share (footprints.py, bursts.py): how surprising a count is
against its expectation, how much a z-score counts as evidence, and each staff member's
office and hiring date from the staff file."""

from __future__ import annotations

import polars as pl

from ryoken.detect.detectors import Context

CHI2_1_MEDIAN = 0.4549  # median of chi-square with one degree of freedom: φ = median(r²)/this


def poisson_z(observed: pl.Expr, expected: pl.Expr, phi: pl.Expr) -> pl.Expr:
    """How surprising `observed` counts are when `expected` were expected, as a z-score of
    the upper tail P(X ≥ O) of a Poisson, overdispersed by φ (O and E divided by φ). The
    Wilson–Hilferty form, z = 3√k (1 - 1/(9k) - (λ/k)^(1/3)), stays accurate for the small
    counts a single clerk produces (a normal approximation with a +1 damper does not)."""
    k = observed / phi
    lam = (expected / phi).clip(1e-9)
    z = 3 * k.sqrt() * (1 - 1 / (9 * k) - (lam / k) ** (1 / 3))
    return pl.when(k > 0).then(z).otherwise(-(lam.sqrt()))


def excess(z: pl.Expr, threshold: float, cap: float = 3.0) -> pl.Expr:
    """0 below the threshold, then 1 + how far above it, up to `cap`."""
    return pl.when(z >= threshold).then((z - threshold + 1).clip(0, cap)).otherwise(0.0)


def staff_offices(ctx: Context) -> pl.DataFrame:
    """(actor, office, hired_on) of every staff member in the staff file."""
    if ctx.staff.is_empty():
        return pl.DataFrame(schema={"actor": pl.String, "office": pl.String, "hired_on": pl.Date})
    return ctx.staff.select(actor="staff_id", office="office", hired_on="hired_on")
