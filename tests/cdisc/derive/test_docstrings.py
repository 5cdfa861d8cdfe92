"""The inline examples in the derivation docstrings run and give what they show (STYLE: examples stay true)."""
import doctest

import pytest

import cdisc.derive as derive
from cdisc.derive import baseline, flags, pk, recist, stats, tte


@pytest.mark.parametrize("module", [derive, baseline, flags, recist, tte, pk, stats], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    """Every `>>>` example of the module's docstrings passes doctest."""
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
