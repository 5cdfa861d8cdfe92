"""Render docs/DERIVATIONS.md from the ADaM spec's methods (the spec stays the one source of truth).

    .venv/bin/python scripts/derivations_doc.py            # rewrite docs/DERIVATIONS.md
    .venv/bin/python scripts/derivations_doc.py --check    # exit 1 if the file is out of date
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cdisc.spec.load import load_spec  # noqa: E402
from cdisc.spec.model import Spec  # noqa: E402

TARGET = ROOT / "docs" / "DERIVATIONS.md"


def render(spec: Spec) -> str:
    """One section per ADaM dataset: its methods in spec order, with the variables that use each."""
    users: dict[str, list[str]] = {}
    for v in (*spec.variables, *spec.value_level):
        name = getattr(v, "name", None) or v.variable
        if v.method:
            users.setdefault(v.method, []).append(f"{v.dataset}.{name}")
    lines = [f"# {spec.study.studyid} ADaM derivation rules", "",
             f"Generated from `specs/{spec.study.studyid.lower()}/adam/methods/` by `scripts/derivations_doc.py`;"
             " edit the spec, not this file. Standards: ADaMIG " + spec.standard_version + ", RECIST 1.1,"
             " FDA Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics (2018), CTCAE v5.0,"
             " ASTCT 2019.", ""]
    for ds in spec.datasets:
        methods = [m for m in spec.methods if any(u.startswith(f"{ds.name}.") for u in users.get(m.id, []))]
        lines += [f"## {ds.name}: {ds.label}", ""]
        for m in methods:
            used = ", ".join(sorted(dict.fromkeys(users[m.id])))
            lines += [f"- **{m.id}** ({used}): {m.description}"]
            if m.code:
                lines += [f"  Expression ({m.context}): `{m.code}`"]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if docs/DERIVATIONS.md is out of date")
    args = parser.parse_args()
    text = render(load_spec(ROOT / "specs" / "im96", "adam"))
    if args.check:
        sys.exit(0 if TARGET.read_text() == text else 1)
    TARGET.write_text(text)


if __name__ == "__main__":
    main()
