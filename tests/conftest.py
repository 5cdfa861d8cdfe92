"""Session-wide fixtures: one `cdisc run` of the bundled study shared by the end-to-end test modules."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main


@pytest.fixture(scope="session")
def bundled_out(tmp_path_factory) -> Path:
    """`cdisc run --format xpt,json` of the bundled IM96 export, made once per session; tests only read it."""
    path = tmp_path_factory.mktemp("run") / "out"
    result = CliRunner().invoke(main, ["run", "--out", str(path), "--format", "xpt,json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path
