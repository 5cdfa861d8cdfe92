"""Developer aid: build SDTM from the bundled export, then run the named ADaM builders in order and show
each finalized dataset (shape, columns, first rows). Writes nothing.

    .venv/bin/python scripts/adam_dev.py adsl adae
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cdisc.context import AnalysisContext  # noqa: E402
from cdisc.finalize import finalize  # noqa: E402
from cdisc.pipeline import build_sdtm  # noqa: E402
from cdisc.spec.check import check_spec  # noqa: E402
from cdisc.spec.load import load_spec  # noqa: E402
from mappings.sdtm import BUILDERS  # noqa: E402


def main(modules: list[str]) -> None:
    spec_dir = ROOT / "specs" / "im96"
    sdtm = build_sdtm(ROOT / "data" / "im96" / "raw", spec_dir, BUILDERS)
    spec = load_spec(spec_dir, "adam")  # not require_valid: other builders' rows may be unfinished
    for issue in check_spec(spec):
        print(f"spec: {issue}")
    ctx = AnalysisContext(spec=spec, sdtm_data={n: f.data for n, f in sdtm.datasets.items()},
                          design_dir=spec_dir / "design")
    for module in modules:
        for result in importlib.import_module(f"mappings.adam.{module}").build(ctx):
            final = finalize(result, spec)
            ctx.done[final.name] = final.data
            print(f"== {final.name}: {final.data.shape}")
            print(final.data.head(8).to_string(max_colwidth=24))


if __name__ == "__main__":
    main(sys.argv[1:])
