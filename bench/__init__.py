"""Benchmarks: each `bench_*.py` module has `main()` printing figures next to a baseline."""
