"""Atomic output: a failed or killed run never leaves a half-written or missing output folder."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdisc.errors import CdiscError
from cdisc.pipeline import staged

ROOT = Path(__file__).resolve().parents[2]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_success_replaces_and_failure_keeps(tmp_path):
    out = tmp_path / "out"
    with staged(out) as stage:
        (stage / "a.txt").write_text("one")
    with pytest.raises(RuntimeError), staged(out) as stage:
        (stage / "a.txt").write_text("half")
        raise RuntimeError("boom")
    assert snapshot(out) == {"a.txt": b"one"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_output_folder_under_a_file_is_an_error_naming_it(tmp_path):
    """--out notadir/out where notadir is a file: a CdiscError (exit 2, one line), not NotADirectoryError."""
    (tmp_path / "notadir").write_text("x")
    with pytest.raises(CdiscError) as info, staged(tmp_path / "notadir" / "out"):
        pass
    assert str(info.value) == (f"cannot write the output folder {tmp_path / 'notadir' / 'out'}: Not a directory "
                               f"({tmp_path / 'notadir' / '.out.staging'})")
    assert (tmp_path / "notadir").read_text() == "x"


def test_a_kill_between_the_renames_is_repaired_by_the_next_run(tmp_path):
    """Killed after the old output moved aside and before the new one moved in: the next run restores it first."""
    out, previous = tmp_path / "out", tmp_path / ".out.previous"
    previous.mkdir()
    (previous / "a.txt").write_text("one")
    with pytest.raises(RuntimeError), staged(out):
        raise RuntimeError("the next run fails too")
    assert snapshot(out) == {"a.txt": b"one"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sigkill_mid_run_leaves_the_previous_output_and_nothing_to_trip_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("the previous data cut")
    cmd = [sys.executable, "-c", "from cli import main; main()", "run", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stage = tmp_path / ".out.staging"
    deadline = time.monotonic() + 120
    while not any(stage.rglob("*.xpt")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed mid-write"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snapshot(out) == {"earlier.txt": b"the previous data cut"}
    with staged(out) as fresh:  # the next run starts clean: the killed run's staging folder is gone
        assert list(fresh.iterdir()) == []
        (fresh / "new.txt").write_text("next cut")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
