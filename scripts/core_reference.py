"""Run CDISC's own CORE engine (cdisc-rules-engine 0.17.1, from its pip wheel) offline on a folder of XPTs with
the CORE rules we vendor: the reference `scripts/bench_validate.py --core` times us against.

CORE is not a project dependency. Its wheel has no CLI (`core.py` lives only in CDISC's repository) and its
rules cache and library metadata come from the CDISC Library API (an API key): here the rules are the vendored
YAML files (`cdisc/validate/core/rules`, converted with CORE's own `Rule.from_cdisc_metadata`) and the library
metadata is empty, so the rules that need IG or CT metadata end in CORE's "execution error" or "skipped"
statuses (fewer operations, so CORE's time here is a lower bound). Set-up outside the project:

    PYENV_VERSION=3.12.1 python3.12 -m venv /work/core-venv
    /work/core-venv/bin/pip install cdisc-rules-engine==0.17.1
    /work/core-venv/bin/python scripts/core_reference.py PATH [--processes N]

Prints one JSON line: seconds (set-up, rules, total), rule statuses and the issues CORE reported. With
`--processes N` the rules run in a pool of N forked processes, as CORE's CLI runs them. `--detail FILE` writes,
per rule and dataset, CORE's execution status and its number of issues, which `scripts/core_compare.py` sets
beside our report.json.
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "cdisc" / "validate" / "core" / "rules"
ENGINE = None  # the RulesEngine, built before the pool forks


def build_engine(folder: Path, define: Path | None):
    """CORE's RulesEngine on every XPT of `folder`, SDTMIG 3.4, an in-memory cache and no library metadata."""
    from cdisc_rules_engine.config import config
    from cdisc_rules_engine.models.library_metadata_container import LibraryMetadataContainer
    from cdisc_rules_engine.rules_engine import RulesEngine
    from cdisc_rules_engine.services.cache import InMemoryCacheService
    from cdisc_rules_engine.services.data_services import DataServiceFactory

    paths = sorted(str(p) for p in folder.glob("*.xpt"))
    size = max(os.path.getsize(p) for p in paths)
    cache, library = InMemoryCacheService(), LibraryMetadataContainer()
    data = DataServiceFactory(config, cache, max_dataset_size=size, standard="sdtmig", standard_version="3-4",
                              library_metadata=library).get_data_service(paths)
    return RulesEngine(cache=cache, data_service=data, config_obj=config, standard="sdtmig",
                       standard_version="3-4", library_metadata=library, max_dataset_size=size,
                       dataset_paths=paths, ct_packages=[], define_xml_path=str(define) if define else None,
                       validate_xml=False)


def load_rules() -> list[dict]:
    """The vendored YAML rules in CORE's internal form."""
    import yaml
    from cdisc_rules_engine.models.rule import Rule

    return [Rule.from_cdisc_metadata(yaml.safe_load(f.read_text(encoding="utf-8")))
            for f in sorted(RULES.glob("*.yml"))]


def run_one(rule: dict) -> tuple[str, float, list[str], int, dict[str, dict]]:
    """(rule id, seconds, CORE's execution statuses over the datasets, issues reported, and per dataset its
    status and number of issues)."""
    start = time.perf_counter()
    try:
        results = ENGINE.validate_single_rule(rule)
    except Exception as exc:  # noqa: BLE001 - CORE raising is a status to report, as its CLI does
        return rule["core_id"], time.perf_counter() - start, [f"exception {type(exc).__name__}"], 0, {}
    flat = [r for per_dataset in results.values() for r in per_dataset]
    statuses = sorted({str(r.get("executionStatus")) for r in flat}) or ["no result"]
    detail = {str(r.get("dataset")): {"status": str(r.get("executionStatus")), "issues": _issues(r)} for r in flat}
    return rule["core_id"], time.perf_counter() - start, statuses, sum(_issues(r) for r in flat), detail


def _issues(result: dict) -> int:
    return len(result.get("errors") or ()) if result.get("executionStatus") == "issue reported" else 0


def main() -> None:
    global ENGINE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="folder of .xpt files (its define.xml is used if present)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--detail", type=Path, help="write per rule and dataset CORE's status and issues (JSON)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    from cdisc_rules_engine.services import logger

    logger.disabled = True
    define = args.path / "define.xml"
    ENGINE = build_engine(args.path, define if define.exists() else None)
    rules = load_rules()
    ready = time.perf_counter()
    if args.processes > 1:
        with Pool(args.processes) as pool:
            done = pool.map(run_one, rules, chunksize=1)
    else:
        done = [run_one(r) for r in rules]
    end = time.perf_counter()
    statuses = Counter(s for _, _, ss, *_ in done for s in ss)
    if args.detail:
        args.detail.write_text(json.dumps({r: d for r, *_, d in sorted(done)}, indent=1, sort_keys=True))
    print(json.dumps({"setup": ready - start, "rules_seconds": end - ready, "total": end - start,
                      "rules": len(rules), "issues": sum(n for *_, n, _ in done), "statuses": dict(statuses),
                      "slowest": [[r, round(s, 3)] for r, s, *_ in sorted(done, key=lambda d: -d[1])[:10]]}))


if __name__ == "__main__":
    main()
