"""Session fixtures shared by the end-to-end tests."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

FORMATS = "xpt,json"  # the bundled run writes both, so that every check sees both


@pytest.fixture(scope="session")
def out(tmp_path_factory) -> Path:
    """`cdisc run` on the bundled IM96 export, once per test session (read only: copy before changing)."""
    path = tmp_path_factory.mktemp("run") / "out"
    result = CliRunner().invoke(main, ["run", "--out", str(path), "--format", FORMATS], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path
