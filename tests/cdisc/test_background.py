"""Forked work: a process that prepares itself at once and works on what it is sent, item by item."""
import os
import signal
import time
from collections.abc import Iterator
from functools import partial

import pandas as pd
import pytest

from cdisc.background import fed_in_background, in_background, send_each, spooled
from cdisc.errors import MappingError


def _prepare() -> None:
    os.environ["CDISC_TEST_PREPARED"] = "yes"


def _prepared_and_pid(tag: str) -> tuple[str | None, int, str]:
    return os.environ.get("CDISC_TEST_PREPARED"), os.getpid(), tag


def _items_seen(items: Iterator) -> tuple[str | None, int, list]:
    return os.environ.get("CDISC_TEST_PREPARED"), os.getpid(), list(items)


def _column_sums(items: Iterator) -> list[int]:
    return [int(frame["N"].sum()) for frame in items]


def _fails(items: Iterator) -> None:
    raise ValueError(f"bad value {next(items)}")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for(path: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.01)


def _marks_each(folder: str, items: Iterator) -> list[str]:
    """Writes `<folder>/<item>` once it has an item: the parent can see that an item was taken before it sends
    the next."""
    seen = []
    for item in items:
        with open(os.path.join(folder, item), "w") as f:
            f.write("taken")
        seen.append(item)
    return seen


def _stuck_on_first(folder: str, items: Iterator) -> int:
    """Does not look at the second item before the parent writes `<folder>/go`, which it does only once its sends
    have returned."""
    next(items)
    _wait_for(os.path.join(folder, "go"))
    return sum(len(item) for item in items)


def _touch_after_all(path: str, items: Iterator) -> None:
    list(items)
    with open(path, "w") as f:
        f.write("ran")


def test_the_work_runs_in_the_prepared_child_on_the_items_sent_later_in_order():
    with fed_in_background(_items_seen, _prepare) as feed:
        feed.send("A")
        feed.send({"B": 2})
        prepared, pid, items = feed.close()()
    assert (prepared, items) == ("yes", ["A", {"B": 2}])
    assert pid != os.getpid()
    assert "CDISC_TEST_PREPARED" not in os.environ  # prepared there, not here


def test_items_larger_than_a_pipe_buffer_arrive_whole():
    frame = pd.DataFrame({"N": range(300_000), "TEXT": ["x" * 20] * 300_000})  # about 10 MB pickled
    with fed_in_background(_column_sums, _prepare) as feed:
        feed.send(frame)
        feed.send(frame.iloc[:10])
        assert feed.close()() == [44_999_850_000, 45]  # 0 + 1 + ... + 299,999; 0 + ... + 9


def test_the_child_takes_an_item_before_the_next_is_sent(tmp_path):
    with fed_in_background(partial(_marks_each, str(tmp_path)), _prepare) as feed:
        feed.send("first")
        _wait_for(str(tmp_path / "first"))  # taken while the feed is still open
        feed.send("second")
        assert feed.close()() == ["first", "second"]


def _too_long(signum, frame) -> None:
    raise TimeoutError("a send waited for the child")


def test_sending_does_not_wait_for_the_child_to_be_done_with_an_item(tmp_path):
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(60)  # a send that waited for the child would hang here: fail instead
    try:
        with fed_in_background(partial(_stuck_on_first, str(tmp_path)), _prepare) as feed:
            feed.send("first")
            feed.send("x" * 1_000_000)  # far more than a pipe holds, while the child waits
            feed.send("y" * 1_000_000)
            (tmp_path / "go").write_text("go")
            assert feed.close()() == 2_000_000
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_an_item_sent_to_each_of_two_feeds_reaches_both_and_a_dead_child_does_not_stop_the_other():
    frame = pd.DataFrame({"N": range(300_000)})  # more than a pipe holds
    with fed_in_background(_column_sums, _prepare) as first, fed_in_background(_column_sums, _prepare) as second, \
            fed_in_background(_items_seen, _killed) as dead:
        send_each(frame, [first, dead, second])
        send_each(frame.iloc[:10], [first, second])
        assert first.close()() == second.close()() == [44_999_850_000, 45]
        with pytest.raises(MappingError, match="exit code -9"):
            dead.close()()


def test_a_spooled_item_reaches_each_child_as_a_file_it_removes_and_a_dead_child_s_is_removed_with_the_spool(
        tmp_path):
    """Through a spool folder: both live children get both frames (sums 44,999,850,000 and 45) and remove their
    links once read; the killed child's link stays until the spool is left; the spool is gone then."""
    frame = pd.DataFrame({"N": range(300_000)})
    with spooled(tmp_path / "spool") as spool:
        with fed_in_background(_column_sums, _prepare) as first, \
                fed_in_background(_column_sums, _prepare) as second, fed_in_background(_items_seen, _killed) as dead:
            send_each(frame, [first, dead, second], spool)
            send_each(frame.iloc[:10], [first, second], spool)
            assert first.close()() == second.close()() == [44_999_850_000, 45]
            with pytest.raises(MappingError, match="exit code -9"):
                dead.close()()
        assert [p.name.rsplit(".", 1)[1] for p in spool.iterdir()] == ["1"]  # the dead child's link, unread
    assert not (tmp_path / "spool").exists()


def _thread_priorities(folder: str, items: Iterator) -> list[int]:
    """The nice value of each thread of this process while the reader thread still waits for items (the parent
    closes the feed only once `<folder>/seen` is written)."""
    next(items)
    priorities = sorted(os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir("/proc/self/task"))
    with open(os.path.join(folder, "seen"), "w") as f:
        f.write("seen")
    list(items)
    return priorities


def test_a_lower_priority_is_the_work_s_not_the_reader_s(tmp_path):
    """The work runs 3 below this process; the thread taking items off the pipe keeps this process's priority,
    so a sender is never held up by the work's low priority."""
    here = os.getpriority(os.PRIO_PROCESS, 0)
    with fed_in_background(partial(_thread_priorities, str(tmp_path)), _prepare, nice=3) as feed:
        feed.send("A")
        _wait_for(str(tmp_path / "seen"))
        priorities = feed.close()()
    assert priorities == [here, here + 3]


def test_an_error_of_the_work_is_raised_here():
    with fed_in_background(_fails, _prepare) as feed:
        feed.send(7)
        with pytest.raises(ValueError, match="bad value 7"):
            feed.close()()


def test_an_error_while_preparing_is_raised_here_when_the_result_is_asked_for():
    with fed_in_background(_items_seen, lambda: _fails(iter(["no schema"]))) as feed:
        feed.send("A")
        result = feed.close()
        with pytest.raises(ValueError, match="bad value no schema"):
            result()


def test_a_child_killed_while_preparing_is_a_mapping_error_naming_the_work():
    with fed_in_background(_items_seen, _killed) as feed:
        feed.send(pd.DataFrame({"N": range(300_000)}))  # more than the pipe holds: nobody may read it
        result = feed.close()
        with pytest.raises(MappingError, match=r"_items_seen ended without a result \(exit code -9\)"):
            result()


def test_a_feed_left_without_being_closed_never_finishes_its_work(tmp_path):
    marker = tmp_path / "ran"
    with fed_in_background(partial(_touch_after_all, str(marker)), _prepare) as feed:
        feed.send("A")
    assert not marker.exists()


def test_in_background_runs_the_work_on_the_arguments_given_at_the_fork():
    with in_background(_prepared_and_pid, "B") as result:
        prepared, pid, tag = result()
    assert (prepared, tag) == (None, "B")
    assert pid != os.getpid()
