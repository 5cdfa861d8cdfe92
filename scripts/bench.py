"""Benchmark the SDTM run against an I/O baseline measured in the same process.

For each study size: simulate an export, then time (a) the I/O baseline — reading every raw CSV and
writing the finished datasets as XPT, the floor any converter pays — and (b) the whole run (load, check,
map, finalize, validate, write XPT + define.xml). Prints medians over `--repeat` runs and the ratio.

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

from cdisc.pipeline import SdtmRun, build_sdtm, write_datasets, write_define_package  # noqa: E402
from cdisc.validate import validate  # noqa: E402
from mappings.sdtm import BUILDERS  # noqa: E402
from mappings.simulate import simulate  # noqa: E402

SPEC = ROOT / "specs" / "im96"


def full_run(raw: Path, out: Path) -> int:
    sdtm = build_sdtm(raw, SPEC, BUILDERS)
    validate(sdtm.spec, {n: f.data for n, f in sdtm.datasets.items()})
    write_datasets(sdtm.spec, sdtm.datasets, out)
    write_define_package(sdtm.spec, sdtm.datasets, out)
    return sum(len(f.data) for f in sdtm.datasets.values())


def io_baseline(raw: Path, out: Path, sdtm: SdtmRun) -> None:
    """Read every raw CSV and write the already-built datasets as XPT: pure I/O, no mapping."""
    for csv in sorted(raw.glob("*.csv")):
        pd.read_csv(csv, dtype=str, keep_default_na=False)
    write_datasets(sdtm.spec, sdtm.datasets, out)


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
            records = full_run(raw, out)  # warm-up
            built = build_sdtm(raw, SPEC, BUILDERS)
            io = [timed(io_baseline, raw, out, built) for _ in range(args.repeat)]
            run = [timed(full_run, raw, out) for _ in range(args.repeat)]
            io_m, run_m = statistics.median(io), statistics.median(run)
            print(f"{n:>8} {records:>8} {io_m:>8.2f} {run_m:>8.2f} {run_m / io_m:>6.1f}")


if __name__ == "__main__":
    main()
