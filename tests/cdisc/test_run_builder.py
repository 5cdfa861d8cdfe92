"""A mapping module that fails on input it does not handle is reported, named, without a traceback."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import MappingError, RawInputError
from cdisc.pipeline import run_builder


def _fails_on_no_records(ctx):
    return [pd.Series([], dtype=str) + 1]  # str + int: the kind of failure an empty form caused


def _raises_an_engine_error(ctx):
    raise RawInputError("ae.csv, row 3: bad")


def test_a_failing_module_is_a_mapping_error_naming_it_the_failure_and_the_empty_inputs():
    with pytest.raises(MappingError) as info:
        run_builder(_fails_on_no_records, None, "SDTM mapping module", ["ae.csv", "lb.csv"])
    message = str(info.value)
    assert message.startswith("SDTM mapping module 'test_run_builder' failed on this input (TypeError: ")
    assert "at tests/cdisc/test_run_builder.py:12 in _fails_on_no_records)" in message
    assert message.endswith("; inputs without records: ae.csv, lb.csv")
    assert info.value.exit_code == 2


def test_an_engine_error_passes_through_unchanged():
    with pytest.raises(RawInputError, match=r"^ae.csv, row 3: bad$"):
        run_builder(_raises_an_engine_error, None, "SDTM mapping module", [])
