"""Generated documentation stays in step with the spec."""
from pathlib import Path

from cdisc.spec.load import load_spec
from scripts.derivations_doc import TARGET, render


def test_derivations_doc_matches_the_adam_spec():
    """docs/DERIVATIONS.md is the rendering of the ADaM methods; regenerate with scripts/derivations_doc.py."""
    spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "im96", "adam")
    assert TARGET.read_text() == render(spec)


def test_rules_doc_matches_the_rule_catalogue():
    """docs/RULES.md is the rendering of the rule catalogue; regenerate with scripts/rules_doc.py."""
    from scripts.rules_doc import TARGET as RULES_DOC
    from scripts.rules_doc import render as render_rules

    assert RULES_DOC.read_text(encoding="utf-8") == render_rules()


def test_every_suite_rule_id_is_in_the_catalogue():
    """Each rule id an expectation carries is described in SUITE_RULES (and so in docs/RULES.md)."""
    from cdisc.validate.suite import SUITE_RULES, suite_for

    spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "im96", "sdtm")
    used = {e.meta["rule"] for d in spec.datasets for e in suite_for(spec, d.name)}
    assert used <= set(SUITE_RULES) and {"SD1079", "SD0037", "SD1152"} <= used
