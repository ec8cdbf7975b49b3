"""Pausing the cyclic garbage collector while long-lived objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause cyclic garbage collection inside the block; it resumes on exit, even on error.

    Loading a model, its catalog and the rules allocates hundreds of thousands of objects that all stay
    alive: collections triggered meanwhile find no garbage and took about 0.1 s of a cold start.
    Reference counting still frees everything else at once. A collector that was already off stays off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
