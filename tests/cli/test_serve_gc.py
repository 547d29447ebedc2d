"""`fleethub serve` keeps the cyclic GC off the hot path (docs/performance.md)."""

from __future__ import annotations

import gc

from fleethub.cli import serve


def test_tune_gc_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    """What start-up built is frozen (never traversed again); young collections are rarer."""
    before = gc.get_threshold()
    try:
        serve._tune_gc()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (serve.GC_YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
