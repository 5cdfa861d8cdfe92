"""Forked work: a process that prepares itself at once and gets the arguments of its work later."""
import os
import signal
from functools import partial

import pandas as pd
import pytest

from cdisc.background import in_background, waiting_in_background
from cdisc.errors import MappingError


def _prepare() -> None:
    os.environ["CDISC_TEST_PREPARED"] = "yes"


def _prepared_and_pid(tag: str) -> tuple[str | None, int, str]:
    return os.environ.get("CDISC_TEST_PREPARED"), os.getpid(), tag


def _column_sum(frame: pd.DataFrame) -> int:
    return int(frame["N"].sum())


def _fails(message: str) -> None:
    raise ValueError(message)


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _touch(path: str) -> None:
    with open(path, "w") as f:
        f.write("ran")


def test_the_work_runs_in_the_prepared_child_on_the_arguments_sent_later():
    with waiting_in_background(_prepared_and_pid, _prepare) as waiting:
        prepared, pid, tag = waiting.start("A")()
    assert (prepared, tag) == ("yes", "A")
    assert pid != os.getpid()
    assert "CDISC_TEST_PREPARED" not in os.environ  # prepared there, not here


def test_arguments_larger_than_a_pipe_buffer_arrive_whole():
    frame = pd.DataFrame({"N": range(300_000), "TEXT": ["x" * 20] * 300_000})  # about 10 MB pickled
    with waiting_in_background(_column_sum, _prepare) as waiting:
        assert waiting.start(frame)() == 44_999_850_000  # 0 + 1 + ... + 299,999


def test_an_error_of_the_work_is_raised_here():
    with waiting_in_background(_fails, _prepare) as waiting, pytest.raises(ValueError, match="bad value 7"):
        waiting.start("bad value 7")()


def test_an_error_while_preparing_is_raised_here_when_the_result_is_asked_for():
    with waiting_in_background(_prepared_and_pid, lambda: _fails("no schema")) as waiting:
        result = waiting.start("A")
        with pytest.raises(ValueError, match="no schema"):
            result()


def test_a_child_killed_while_preparing_is_a_mapping_error_naming_the_work():
    with waiting_in_background(_prepared_and_pid, _killed) as waiting:
        result = waiting.start(pd.DataFrame({"N": range(300_000)}))  # more than the pipe holds: nobody reads it
        with pytest.raises(MappingError, match=r"_prepared_and_pid ended without a result \(exit code -9\)"):
            result()


def test_work_never_started_never_runs(tmp_path):
    marker = tmp_path / "ran"
    with waiting_in_background(partial(_touch, str(marker)), _prepare):
        pass
    assert not marker.exists()


def test_in_background_runs_the_work_on_the_arguments_given_at_the_fork():
    with in_background(_prepared_and_pid, "B") as result:
        prepared, pid, tag = result()
    assert (prepared, tag) == (None, "B")
    assert pid != os.getpid()
