"""Build the study's subset of NCI EVS SDTM Controlled Terminology.

Usage:
    python scripts/build_ct_subset.py --nci "SDTM Terminology 2025-03-28.txt" \
        --codelists specs/ct/codelists.txt --out specs/ct/sdtm_ct_2025-03-28.csv

Reads the tab-delimited NCI EVS SDTM terminology file (or, with ``--format csv``, the comma-separated
export NCI EVS publishes for ADaM / Define-XML / Protocol CT, which has the same columns plus
"Standard and Date") and writes, for every codelist named in
``--codelists`` (CDISC submission short name, one per line, ``#`` starts a comment), every term of that
codelist as one CSV row:

    Codelist Code,Codelist,Codelist Name,Extensible,Code,Submission Value,Synonyms,Preferred Term

sorted by codelist short name then submission value (plain code-point order), ``\\n`` line endings.
The output is a pure function of the two inputs. Every value is read as text (``NA`` in NY stays ``NA``).
The ADaM subset is built the same way:

    python scripts/build_ct_subset.py --format csv --nci ADaM_CT_2025-03-28.csv \
        --codelists specs/ct/adam_codelists.txt --out specs/ct/adam_ct_2025-03-28.csv

Exit status 2 with a message naming the problem when a requested codelist is not in the file or the
file does not have the NCI EVS columns.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import pandas as pd

NCI_COLUMNS = [
    "Code",
    "Codelist Code",
    "Codelist Extensible (Yes/No)",
    "Codelist Name",
    "CDISC Submission Value",
    "CDISC Synonym(s)",
    "CDISC Definition",
    "NCI Preferred Term",
]

OUT_COLUMNS = [
    "Codelist Code",
    "Codelist",
    "Codelist Name",
    "Extensible",
    "Code",
    "Submission Value",
    "Synonyms",
    "Preferred Term",
]


class CTError(Exception):
    """A problem with the inputs; the message is shown to the user."""


def read_codelist_names(path: Path) -> list[str]:
    """Requested short names in file order, without comments, blanks or repeats."""
    names: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name and name not in names:
            names.append(name)
    if not names:
        raise CTError(f"{path}: no codelist names")
    return names


FORMATS = {"tsv": "\t", "csv": ","}


def read_nci(path: Path, fmt: str = "tsv") -> pd.DataFrame:
    """The NCI EVS file, every cell as text ("NA" is a term, not a missing value).

    `fmt` "tsv": the tab-delimited .txt (SDTM CT); "csv": the comma-separated export (ADaM CT), whose
    extra "Standard and Date" column is ignored.
    """
    if fmt not in FORMATS:
        raise CTError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    df = pd.read_csv(path, sep=FORMATS[fmt], dtype=str, na_filter=False, encoding="utf-8")
    missing = [c for c in NCI_COLUMNS if c not in df.columns]
    if missing:
        raise CTError(f"{path}: not an NCI EVS terminology file, missing columns {missing}")
    return df


def build_subset(nci: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Terms of the requested codelists in the output layout, sorted."""
    headers = nci[nci["Codelist Code"] == ""]
    by_name: dict[str, list[pd.Series]] = {}
    for _, row in headers.iterrows():
        by_name.setdefault(row["CDISC Submission Value"], []).append(row)

    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise CTError(
            "codelist(s) not found in the NCI file (use the CDISC submission short name, "
            f"e.g. ONCRTSCD): {', '.join(unknown)}"
        )
    ambiguous = [n for n in names if len(by_name[n]) > 1]
    if ambiguous:
        raise CTError(f"codelist short name(s) match several codelists: {', '.join(ambiguous)}")

    frames = []
    for name in names:
        header = by_name[name][0]
        terms = nci[nci["Codelist Code"] == header["Code"]]
        if terms.empty:
            raise CTError(f"codelist {name} ({header['Code']}) has no terms")
        frames.append(
            pd.DataFrame(
                {
                    "Codelist Code": header["Code"],
                    "Codelist": name,
                    "Codelist Name": header["Codelist Name"],
                    "Extensible": header["Codelist Extensible (Yes/No)"],
                    "Code": terms["Code"].to_numpy(),
                    "Submission Value": terms["CDISC Submission Value"].to_numpy(),
                    "Synonyms": terms["CDISC Synonym(s)"].to_numpy(),
                    "Preferred Term": terms["NCI Preferred Term"].to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)[OUT_COLUMNS]
    # Plain code-point sort, stable and independent of locale; Code breaks any tie.
    order = sorted(
        range(len(out)),
        key=lambda i: (out.at[i, "Codelist"], out.at[i, "Submission Value"], out.at[i, "Code"]),
    )
    return out.iloc[order].reset_index(drop=True)


def to_csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(OUT_COLUMNS)
    writer.writerows(df[OUT_COLUMNS].itertuples(index=False, name=None))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nci", required=True, type=Path,
                        help="NCI EVS terminology file: SDTM .txt (tab-delimited) or, with --format csv, "
                             "the comma-separated export (ADaM CT)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="tsv",
                        help="layout of --nci: tsv (default, SDTM .txt) or csv (ADaM CT export)")
    parser.add_argument("--codelists", required=True, type=Path, help="file of codelist short names")
    parser.add_argument("--out", required=True, type=Path, help="output CSV")
    args = parser.parse_args(argv)
    try:
        names = read_codelist_names(args.codelists)
        subset = build_subset(read_nci(args.nci, args.format), names)
    except (CTError, OSError) as exc:
        print(f"build_ct_subset: error: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        fh.write(to_csv_text(subset))
    print(f"build_ct_subset: wrote {len(subset)} terms of {len(names)} codelists to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
