"""Generated documentation stays in step with the spec."""
from pathlib import Path

from cdisc.spec.load import load_spec
from scripts.derivations_doc import TARGET, render


def test_derivations_doc_matches_the_adam_spec():
    """docs/DERIVATIONS.md is the rendering of the ADaM methods; regenerate with scripts/derivations_doc.py."""
    spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "im96", "adam")
    assert TARGET.read_text() == render(spec)
