"""How long the synthetic area takes to generate; prints a table (not part of the test run).

.venv/bin/python bench/bench_synth.py
"""

from __future__ import annotations

import time
import tracemalloc

from openmash.synth import generate_area


def main() -> None:
    print(f"{'households':>10} {'people':>8} {'referrals':>9} {'seconds':>8} {'peak MB':>8}")
    for households in (150, 1_000, 5_000):
        tracemalloc.start()
        started = time.perf_counter()
        area = generate_area(5, households=households, referrals=200)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"{households:>10} {len(area.people):>8} {len(area.referrals):>9} {elapsed:>8.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
