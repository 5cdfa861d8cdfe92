"""The collector's settings for a run: young collections seldom, a forked process's inheritance left alone."""
from __future__ import annotations

import gc

import pytest

from cdisc.collector import collect_seldom, frozen


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_collect_seldom_raises_the_young_threshold_only(thresholds):
    gc.set_threshold(700, 11, 12)
    collect_seldom()
    assert gc.get_threshold() == (50_000, 11, 12)


def test_frozen_leaves_existing_objects_alone_until_it_ends():
    gc.unfreeze()
    kept = [[n] for n in range(1_000)]  # containers the collector tracks
    with frozen():
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_frozen_takes_the_objects_back_after_an_error():
    with pytest.raises(RuntimeError), frozen():
        raise RuntimeError("stop")
    assert gc.get_freeze_count() == 0
