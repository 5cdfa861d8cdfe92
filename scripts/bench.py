"""Benchmark `cdisc run` stage by stage against an I/O floor measured in the same run.

For each study size: simulate an export (seed 96), then `--repeat` times, each in a fresh process (so the peak
memory is that run's): the whole run with its stage timings (read raw, SDTM mapping, finalize, ADaM,
define, XPT writing, reports, review report, ...), the CPU seconds and the peak resident memory of the run's
process and of the larger of the two it forks (SDTM conformance rules; suites and ADaM rules); and the I/O floor:
reading the raw CSVs with pandas' pyarrow engine plus writing as many bytes as the run wrote, with a plain file
write. Prints medians, each stage's ratio to the floor, and the growth of the run from one size to the next.

    .venv/bin/python scripts/bench.py --subjects 100 1000 5000 --repeat 3
    .venv/bin/python scripts/bench.py --subjects 1000 --schedule phase3   # the Phase 3-like export
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mappings.im96.simulate import simulate  # noqa: E402

CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from cdisc.collector import collect_seldom
from cdisc.heap import keep_freed_memory
from cdisc.pipeline import run_study
from cdisc.stopwatch import Stopwatch
from mappings.im96 import mappings
raw, out = Path(sys.argv[1]), Path(sys.argv[2])
collect_seldom()  # as the command line does
keep_freed_memory()
study = mappings()
clock, start = Stopwatch(), time.perf_counter()
run_study(raw, ROOT / "specs" / "im96", out, sdtm_builders=study.sdtm, adam_builders=study.adam,
          summarize=study.summarize, report=study.report, clock=clock)
cpu = os.times()
print(json.dumps({"total": time.perf_counter() - start, "stages": clock.seconds,
                  "cpu": cpu.user + cpu.system + cpu.children_user + cpu.children_system,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_once(raw: Path, out: Path) -> dict:
    code = f"from pathlib import Path\nROOT = Path({str(ROOT)!r})\n" + CHILD
    done = subprocess.run([sys.executable, "-c", code, str(raw), str(out)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


CHUNK = 1 << 20  # bytes the floor writes at a time


def io_floor(raw: Path, out: Path, scratch: Path) -> float:
    """Read every raw CSV (pyarrow engine) and write as many bytes as the run wrote, from one buffer reused as a
    writer streams its bytes: a buffer of the whole output made first (a gigabyte of new memory at 5,000 subjects)
    is no I/O, and timed with the write it made the floor 1.5 to 4 times as long (docs/BENCHMARK.md)."""
    import pandas as pd

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    chunk = memoryview(bytes(CHUNK))
    start = time.perf_counter()
    for csv in sorted(raw.glob("*.csv")):
        pd.read_csv(csv, dtype=str, keep_default_na=False, engine="pyarrow")
    with scratch.open("wb") as file:
        for offset in range(0, size, CHUNK):
            file.write(chunk[:size - offset])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schedule", choices=("default", "phase3"), default="default",
                        help="simulator schedule (phase3: more visits and lab tests, several million LB rows at 5,000)")
    args = parser.parse_args()
    previous = None
    for n in args.subjects:
        with tempfile.TemporaryDirectory() as tmp:
            raw, out = Path(tmp) / "raw", Path(tmp) / "out"
            simulate(n, 96, raw, args.schedule)
            runs = [run_once(raw, out) for _ in range(args.repeat)]
            floor = statistics.median(io_floor(raw, out, Path(tmp) / "scratch.bin") for _ in range(args.repeat))
            rows = sum(len(p.read_text().splitlines()) - 1 for p in raw.glob("*.csv"))
            out_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        total = statistics.median(r["total"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        child_peak = statistics.median(r["child_peak_mb"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"\nN = {n}: {rows:,} raw rows, {out_mb:.1f} MB written; run {total:.2f} s wall, {cpu:.2f} s CPU "
              f"(medians of {args.repeat}), I/O floor {floor:.3f} s, ratio {total / floor:.1f}; "
              f"peak memory {peak:.0f} MB (main process), {child_peak:.0f} MB (the larger forked process)")
        for stage in runs[0]["stages"]:
            seconds = statistics.median(r["stages"][stage] for r in runs)
            print(f"  {stage:<16} {seconds:8.2f} s  {seconds / floor:8.1f} x floor")
        if previous:
            print(f"  growth from N = {previous[0]}: run x{total / previous[1]:.2f}, memory x{peak / previous[2]:.2f} "
                  f"for x{n / previous[0]:.0f} subjects")
        previous = (n, total, peak)


if __name__ == "__main__":
    main()
