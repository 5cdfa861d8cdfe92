"""Benchmark the SDTM run against an I/O baseline measured in the same process.

For each study size: simulate an export, then time (a) the I/O baseline: reading every raw CSV and writing
the finished SDTM and ADaM datasets as XPT, the floor any converter pays; and (b) the whole `cdisc run`
(load, check, map, derive, finalize, validate, write XPT + define.xml + summary). Prints medians over
`--repeat` runs and their ratio.

    .venv/bin/python scripts/bench.py --subjects 15 100 400 --repeat 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cdisc.pipeline import StudyRun, run_study, write_datasets  # noqa: E402
from mappings.adam import BUILDERS as ADAM_BUILDERS  # noqa: E402
from mappings.adam.summary import write_summary  # noqa: E402
from mappings.sdtm import BUILDERS as SDTM_BUILDERS  # noqa: E402
from mappings.simulate import simulate  # noqa: E402

SPEC = ROOT / "specs" / "im96"


def full_run(raw: Path, out: Path) -> StudyRun:
    return run_study(raw, SPEC, out, sdtm_builders=SDTM_BUILDERS, adam_builders=ADAM_BUILDERS,
                     summarize=write_summary)


def io_baseline(raw: Path, out: Path, done: StudyRun) -> None:
    """Read every raw CSV and write the already-built datasets as XPT: pure I/O, no mapping."""
    for csv in sorted(raw.glob("*.csv")):
        pd.read_csv(csv, dtype=str, keep_default_na=False)
    write_datasets(done.sdtm.spec, done.sdtm.datasets, out / "sdtm")
    write_datasets(done.adam.spec, done.adam.datasets, out / "adam")


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, nargs="+", default=[15, 100, 400])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'subjects':>8} {'records':>8} {'io_s':>8} {'run_s':>8} {'ratio':>6}")
    for n in args.subjects:
        with tempfile.TemporaryDirectory() as tmp:
            raw, out = Path(tmp) / "raw", Path(tmp) / "out"
            simulate(n, 96, raw)
            done = full_run(raw, out)  # warm-up, and the datasets the baseline writes
            records = sum(len(f.data) for run in (done.sdtm, done.adam) for f in run.datasets.values())
            io = [timed(io_baseline, raw, Path(tmp) / "io", done) for _ in range(args.repeat)]
            run = [timed(full_run, raw, out) for _ in range(args.repeat)]
            io_m, run_m = statistics.median(io), statistics.median(run)
            print(f"{n:>8} {records:>8} {io_m:>8.2f} {run_m:>8.2f} {run_m / io_m:>6.1f}")


if __name__ == "__main__":
    main()
