"""The study spec: Pinnacle 21-shaped metadata loaded into frozen models and checked for integrity."""
from cdisc.spec.check import check_spec
from cdisc.spec.load import load_spec
from cdisc.spec.model import Codelist, Dataset, Spec, Variable

__all__ = ["Codelist", "Dataset", "Spec", "Variable", "check_spec", "load_spec"]
