"""Seed the demo city at Zhengzhou's scale on SQLite and PostgreSQL: time and peak memory.

Target (issue 2): under 60 s and under 1 GB on this 2-core machine.
Usage: python benchmarks/seed.py [--quick]   (--quick: the `city` scale)
PostgreSQL is the server at DATABASE_URL, or 127.0.0.1:5432 as user postgres.
Prints last: RESULT seconds_sqlite=.. seconds_postgres=.. peak_mb=.. rows=.. grids=.. persons=..
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.platform.db import scratch_postgres  # noqa: E402


def seed_once(url: str, scale: str) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) of the seeding process, and its summary line."""
    env = dict(os.environ, DATABASE_URL=url)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", SEED_AND_REPORT_PEAK, scale], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kb = int(re.search(r"PEAK_KB (\d+)", result.stdout).group(1))
    summary = next(line for line in result.stdout.splitlines() if line.startswith("seeded"))
    return seconds, peak_kb / 1024, summary


POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
# Run in a child so each database's peak memory is measured on its own.
SEED_AND_REPORT_PEAK = """
import resource, sys
from dashboard.cli import main
code = main(["seed", "--scale", sys.argv[1]])
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the city scale instead of zhengzhou")
    scale = "city" if parser.parse_args().quick else "zhengzhou"
    with tempfile.TemporaryDirectory() as folder:
        sqlite_s, sqlite_mb, summary = seed_once(f"sqlite:///{folder}/bench.sqlite", scale)
    print(f"sqlite:     {sqlite_s:.1f} s, peak {sqlite_mb:.0f} MB  ({summary})")
    with scratch_postgres(POSTGRES) as url:
        postgres_s, postgres_mb, _ = seed_once(url, scale)
    print(f"postgresql: {postgres_s:.1f} s, peak {postgres_mb:.0f} MB")
    numbers = [int(n) for n in re.findall(r"\d+", summary.split("persons")[0].split("grids by level")[1])]
    grids = sum(numbers[1::2])
    persons = int(re.search(r"(\d+) persons", summary).group(1))
    cases = int(re.search(r"(\d+) past cases", summary).group(1))
    print(f"RESULT scale={scale} seconds_sqlite={sqlite_s:.1f} seconds_postgres={postgres_s:.1f} "
          f"peak_mb={max(sqlite_mb, postgres_mb):.0f} grids={grids} persons={persons} cases={cases}")


if __name__ == "__main__":
    main()
