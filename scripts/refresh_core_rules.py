"""Refresh the vendored CDISC CORE rules and SDTMIG metadata from local checkouts (the CT the rules read is the
validator's full SDTM CT package, cdisc/validate/ct/SOURCE.md).

Usage:
    python scripts/refresh_core_rules.py --rules DIR [--commit SHA] [--ig DIR]

--rules  a folder holding CORE-nnnnnn.yml, LICENSE and mappings/ (cdisc-org/cdisc-open-rules, SDTMIG 3.4 set)
--ig     a folder holding sdtmig-3.4/{Datasets,Variables}.csv and the licence beside it

Files are copied unmodified (the IG tables gzip-compressed); SOURCE.md records where they came from.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
from pathlib import Path

from cdisc.validate.core.rules import PARSED, write_parsed_rules

CORE = Path(__file__).resolve().parents[1] / "cdisc" / "validate" / "core"
RULES = CORE / "rules"
LIBRARY = CORE / "library"
# Codelists the rules' codelist_terms operations name (by submission value).


def refresh_rules(src: Path, commit: str) -> int:
    """Replace the vendored YAML rules, licence and id mappings with those of `src`."""
    files = sorted(src.glob("CORE-*.yml"))
    if not files:
        raise SystemExit(f"{src}: no CORE-*.yml rule files")
    shutil.rmtree(RULES, ignore_errors=True)
    (RULES / "mappings").mkdir(parents=True)
    for f in files:
        shutil.copyfile(f, RULES / f.name)
    shutil.copyfile(src / "LICENSE", RULES / "LICENSE")
    for f in sorted((src / "mappings").glob("*.csv")):
        shutil.copyfile(f, RULES / "mappings" / f.name)
    write_parsed_rules(RULES)
    (RULES / "SOURCE.md").write_text(
        "# Source\n\n"
        f"{len(files)} published CDISC CORE rules for SDTMIG 3.4, copied unmodified from\n"
        f"https://github.com/cdisc-org/cdisc-open-rules at commit {commit} (MIT, `LICENSE`).\n"
        "`mappings/` holds the CG/FDA/ADaM rule ids against CORE ids from the same commit.\n"
        f"`{PARSED}` holds the same rules parsed (JSON, gzip), which a run reads instead of the YAML.\n"
        "Refresh with `python scripts/refresh_core_rules.py --rules <checkout> --commit <sha>`.\n"
    )
    return len(files)


def refresh_ig(src: Path) -> None:
    """Gzip the SDTMIG 3.4 dataset and variable tables into the library folder."""
    dest = LIBRARY / "sdtmig-3.4"
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Datasets.csv", "Variables.csv"):
        with open(src / "sdtmig-3.4" / name, "rb") as fin, gzip.GzipFile(dest / f"{name}.gz", "wb", mtime=0) as fout:
            shutil.copyfileobj(fin, fout)
    licence = next(src.glob("LICENSE*"))
    shutil.copyfile(licence, LIBRARY / "LICENSE.ig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=Path, required=True)
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--ig", type=Path)
    args = parser.parse_args()
    print(f"{refresh_rules(args.rules, args.commit)} rules copied to {RULES}")
    if args.ig:
        refresh_ig(args.ig)
        print(f"SDTMIG 3.4 metadata copied to {LIBRARY}")


if __name__ == "__main__":
    main()
