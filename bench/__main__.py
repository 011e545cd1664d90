"""`python -m bench [NAME ...]`: run every benchmark (or the named ones) and print tables."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench
from bench.common import machine


def main(argv: list[str]) -> int:
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    chosen = argv or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}")
        return 2
    print(f"# ryoken benchmarks — {time.strftime('%Y-%m-%d')} — {machine()}\n", flush=True)
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
