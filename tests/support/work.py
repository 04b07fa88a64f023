"""Work counted, not timed: what a call costs, to prove it linear without a stopwatch.

`work(function, text)` counts the bytes a call allocates, the str and list items it hands
to C methods that may touch every item, and its calls; `assert_linear` compares them at one
size and at four times that size (linear work grows four times, quadratic sixteen).
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable

_SCANS = frozenset(("pop", "insert", "remove", "index", "count"))  # may touch every item


def work(function: Callable[[str], object], text: str) -> tuple[int, int, int]:
    """(bytes allocated, str and list items handed to C methods, calls) of `function(text)`.

    Bytes allocated: tracemalloc's peak over where memory stood at the previous call or
    return, summed over every call and return (a string rebuilt for every line allocates its
    whole length each time). Items: the length of every str a str method is called on, and
    of every list a list method that may touch every item is called on (`pop(0)` shifts the
    whole list). Calls: Python and C calls.
    """
    function(text)  # once before counting, so that only the parse itself is counted
    allocated = items = calls = last = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal allocated, items, calls, last
        current, peak = tracemalloc.get_traced_memory()
        allocated += peak - last
        last = current
        tracemalloc.reset_peak()
        if event == "call":
            calls += 1
        elif event == "c_call":
            calls += 1
            owner = getattr(arg, "__self__", None)  # the str or list of a method
            scans = isinstance(owner, list) and getattr(arg, "__name__", "") in _SCANS
            if isinstance(owner, str) or scans:
                items += len(owner)

    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        last = tracemalloc.get_traced_memory()[0]
        sys.setprofile(profile)
        try:
            function(text)
        finally:
            sys.setprofile(None)
    finally:
        if not tracing:
            tracemalloc.stop()
    return allocated, items, calls


def assert_linear(function: Callable[[str], object], make: Callable[[int], str]) -> None:
    small, large = work(function, make(300)), work(function, make(1200))
    for what, a, b in zip(("bytes allocated", "items scanned", "calls"), small, large, strict=True):
        assert b <= 6 * a, f"{what}: {a} for 300, {b} for 1200 ({b / a:.1f}x, linear is 4x)"
