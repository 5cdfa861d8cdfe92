"""Benchmark `cdisc validate` on three SDTM packages, optionally side by side with CDISC's CORE in the same run.

Packages, built or copied into a temporary folder at benchmark time (shared data is never committed):
- `bundled`: out/sdtm of the bundled export (`cdisc run --raw data/im96/raw`, as `make run`);
- `msg`: the CDISC MSG SDTM package (`--msg`, its XPTs and define.xml);
- `sim`: out/sdtm of a simulated study (`cdisc simulate --subjects N --seed 11`, then `cdisc run`; `cdisc run`
  may exit 1 on CORE findings of simulated data: only its output is used).

Each `cdisc validate` (with the study's explanations) runs `--repeat` times, each a fresh process: wall and CPU
seconds (CPU is what a busy shared machine distorts least), peak memory, records per second, the seconds inside
the CORE engine (the sum of its rules' seconds in timings.csv) and the slowest rules. With `--core CMD`, CMD
PATH runs CDISC's engine on the same folder right after ours (see scripts/core_reference.py), and the ratios
are printed.

    .venv/bin/python scripts/bench_validate.py --repeat 3 \\
        --core "/work/core-venv/bin/python scripts/core_reference.py --processes 2"
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CDISC = str(Path(sys.executable).with_name("cdisc"))
EXPLANATIONS = ROOT / "specs" / "im96" / "validation" / "explanations.csv"
MSG = Path("/work/shared/reference/data/cdisc-msg/sdtm")
SLOWEST = 10


def timed(cmd: list[str]) -> dict:
    """Run `cmd` in a fresh process: wall and CPU seconds (user + system), its exit code and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def study_sdtm(raw: Path, out: Path) -> Path:
    """out/sdtm of `cdisc run` on a raw export (its exit code 1 for findings is expected on simulated data)."""
    done = timed([CDISC, "run", "--raw", str(raw), "--out", str(out)])
    if not (out / "sdtm" / "define.xml").exists():
        sys.exit(f"cdisc run on {raw} wrote no SDTM package: {done['stderr'][-500:]}")
    return out / "sdtm"


def msg_copy(source: Path, target: Path) -> Path:
    """The XPTs and define.xml of the MSG SDTM package, copied."""
    target.mkdir(parents=True)
    for f in [*source.glob("*.xpt"), source / "define.xml"]:
        shutil.copy2(f, target / f.name)
    return target


def validate_once(package: Path, report: Path) -> dict:
    """One `cdisc validate` run and what its report.json says about records and rules."""
    run = timed([CDISC, "validate", str(package), "--report", str(report), "--explanations", str(EXPLANATIONS),
                 "--fail-on", "never"])
    if run["rc"] != 0:
        sys.exit(f"cdisc validate {package} exited {run['rc']}: {run['stderr'][-500:]}")
    result = json.loads((report / "report.json").read_text())
    core = {r["rule"] for r in result["rules"]
            if r["status"] == "executed" and r.get("authority", "").startswith("CDISC CORE")}
    with (report / "timings.csv").open() as f:  # rule seconds: kept out of report.json, which is deterministic
        seconds = {row["rule"]: float(row["seconds"]) for row in csv.DictReader(f) if row["rule"] in core}
    return {**run, "records": result["summary"]["records"], "datasets": result["summary"]["datasets"],
            "findings": len(result["findings"]), "core_seconds": sum(seconds.values()),
            "core_rules": len(core), "rule_seconds": seconds}


def core_once(cmd: str, package: Path) -> dict:
    """One run of CDISC's CORE engine (`cmd PATH`), with the JSON line it prints."""
    run = timed([*shlex.split(cmd), str(package)])
    if run["rc"] != 0:
        sys.exit(f"CORE on {package} exited {run['rc']}: {run['stderr'][-800:]}")
    return {**run, "report": json.loads(run["stdout"].strip().splitlines()[-1])}


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def slowest_rules(runs: list[dict]) -> list[tuple[str, float]]:
    """The slowest CORE rules by their median seconds over the runs."""
    ids = runs[0]["rule_seconds"]
    per_rule = {rid: statistics.median(r["rule_seconds"].get(rid, 0.0) for r in runs) for rid in ids}
    return sorted(per_rule.items(), key=lambda kv: -kv[1])[:SLOWEST]


def report(name: str, runs: list[dict], core: list[dict]) -> dict:
    wall, cpu, first = median(runs, "wall"), median(runs, "cpu"), runs[0]
    print(f"\n{name}: {first['datasets']} datasets, {first['records']:,} records, {first['findings']} findings; "
          f"cdisc validate {wall:.2f} s wall, {cpu:.2f} s CPU (median of {len(runs)}); "
          f"{first['records'] / wall:,.0f} records/s; CORE engine {median(runs, 'core_seconds'):.2f} s for "
          f"{first['core_rules']} rules ({median(runs, 'core_seconds') / first['core_rules'] * 1000:.1f} ms/rule)")
    print("  slowest rules: " + ", ".join(f"{rid} {s:.3f} s" for rid, s in slowest_rules(runs)))
    out = {"package": name, "records": first["records"], "datasets": first["datasets"], "wall": wall, "cpu": cpu,
           "core_seconds": median(runs, "core_seconds"), "slowest": slowest_rules(runs)}
    if core:
        c_wall, c_cpu = median(core, "wall"), median(core, "cpu")
        print(f"  CDISC CORE: {c_wall:.2f} s wall, {c_cpu:.2f} s CPU (median of {len(core)}), statuses "
              f"{core[0]['report']['statuses']}; ratio CORE / cdisc validate: x{c_wall / wall:.1f} wall, "
              f"x{c_cpu / cpu:.1f} CPU")
        out.update(core_wall=c_wall, core_cpu=c_cpu, core_statuses=core[0]["report"]["statuses"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="+", choices=["bundled", "msg", "sim"], default=["bundled", "msg", "sim"])
    parser.add_argument("--subjects", type=int, default=1000, help="size of the simulated study")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--msg", type=Path, default=MSG, help="the MSG SDTM folder (XPTs and define.xml)")
    parser.add_argument("--core", help="command running CDISC CORE on a folder appended to it")
    parser.add_argument("--core-repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        makers = {
            "bundled": lambda: study_sdtm(ROOT / "data" / "im96" / "raw", scratch / "bundled"),
            "msg": lambda: msg_copy(args.msg, scratch / "msg"),
            "sim": lambda: study_sdtm(simulated(args.subjects, scratch), scratch / "sim"),
        }
        for name in args.packages:
            package = makers[name]()
            runs, core = [], []
            for i in range(max(args.repeat, args.core_repeat if args.core else 0)):
                if i < args.repeat:
                    runs.append(validate_once(package, scratch / f"report-{name}-{i}"))
                if args.core and i < args.core_repeat:
                    core.append(core_once(args.core, package))
            label = f"{name} ({args.subjects} subjects)" if name == "sim" else name
            results.append(report(label, runs, core))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def simulated(subjects: int, scratch: Path) -> Path:
    raw = scratch / "sim-raw"
    done = timed([CDISC, "simulate", "--subjects", str(subjects), "--seed", "11", "--out", str(raw)])
    if done["rc"] != 0:
        sys.exit(f"cdisc simulate failed: {done['stderr'][-500:]}")
    return raw


if __name__ == "__main__":
    main()
