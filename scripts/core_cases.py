"""Run CDISC's CORE test cases through our engine and print the score.

Usage: python scripts/core_cases.py [CASES]   (a folder of CORE-nnnnnn cases or a .tar.xz of one;
default tests/fixtures/core-tests.tar.xz). Exit 0 always; the score is the output.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from cdisc.validate.core.cases import case_folders, case_root, run_case
from cdisc.validate.core.rules import load_rules

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "core-tests.tar.xz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT,
                        help="a folder of CORE-nnnnnn cases or a .tar.xz of one (default: the shipped copy)")
    source = parser.parse_args().cases
    if not source.exists():
        parser.error(f"{source}: no such folder or file")
    rules = {r.id: r for r in load_rules()}
    start = time.perf_counter()
    with case_root(source) as root:
        results = [run_case(f, rules) for f in case_folders(root)]
    seconds = time.perf_counter() - start
    right = sum(r.right for r in results)
    neg = [r for r in results if r.expected]
    pos = [r for r in results if not r.expected]
    print(f"cases right: {right}/{len(results)} ({100 * right / max(len(results), 1):.1f} %) in {seconds:.1f} s")
    print(f"negatives raising: {sum(r.right for r in neg)}/{len(neg)}")
    print(f"positives clean:   {sum(r.right for r in pos)}/{len(pos)}")
    by_rule = defaultdict(list)
    for r in results:
        if not r.right:
            by_rule[r.rule].append(r)
    print(f"rules with failures: {len(by_rule)}")
    for rule, failures in sorted(by_rule.items()):
        detail = ", ".join(
            f"{r.case.split('/', 1)[1]}" + (f" (skipped: {r.reason})" if r.status == "skipped" else "")
            for r in failures)
        print(f"  {rule}: {detail}")


if __name__ == "__main__":
    main()
