"""Benchmark results, read and compared: what got slower and what got faster, noise aside.

`read` takes pytest-benchmark's JSON (`--benchmark-json`, or a run it saved under
.benchmarks/) or one of asv's results files (`results/<machine>/<commit>-<env>.json`), and
gives each benchmark's median and interquartile range (`Timing`), by name. `compare` says
of two runs which benchmarks moved: a benchmark counts as slower (or faster) only when its
median moved by more than the threshold AND the two runs' interquartile ranges do not
overlap, so that a change within the runs' own spread never counts, however large the
medians' ratio. Bad input is one line (`report.UsageError`) that names the file and the
benchmark.
"""

from __future__ import annotations

import math
import re

from trunkgate import files
from trunkgate.coverage_data import bad_input

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

MAX_BYTES = 512 * 1024 * 1024  # pytest-benchmark keeps every round's time in its JSON
EXPECTED = "pytest-benchmark's JSON (--benchmark-json) or an asv results file"
SLOWER, FASTER, NOISE, SAME = "slower", "faster", "noise", "same"


class Timing:
    """One benchmark of one run: its median and quartiles (seconds), and its rounds."""

    __slots__ = ("median", "q1", "q3", "rounds")

    def __init__(self, median: float, q1: float, q3: float, rounds: int | None = None) -> None:
        self.median = median
        self.q1 = q1
        self.q3 = q3
        self.rounds = rounds


class Moved:
    """How one benchmark compares: its verdict, both timings and the median's change."""

    __slots__ = ("base", "head", "name", "percent", "verdict")

    def __init__(self, name: str, base: Timing, head: Timing, threshold: float) -> None:
        self.name = name
        self.base = base
        self.head = head
        if base.median > 0:
            self.percent = 100.0 * (head.median - base.median) / base.median
        else:
            self.percent = math.inf if head.median > 0 else 0.0
        if abs(self.percent) <= threshold:
            self.verdict = SAME
        elif self.percent > 0 and head.q1 > base.q3:
            self.verdict = SLOWER
        elif self.percent < 0 and head.q3 < base.q1:
            self.verdict = FASTER
        else:  # the medians moved, but within the runs' spread
            self.verdict = NOISE


def compare(
    base: Mapping[str, Timing], head: Mapping[str, Timing], threshold: float
) -> list[Moved]:
    """Every benchmark of both runs, compared, in the head's order."""
    return [
        Moved(name, base[name], timing, threshold) for name, timing in head.items() if name in base
    ]


# --------------------------------------------------------------------------- reading


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _timing(where: str, name: str, median: object, q1: object, q3: object) -> Timing:
    """A benchmark's figures, checked: finite, not negative, q1 <= median <= q3."""
    for key, value in (("median", median), ("q1", q1), ("q3", q3)):
        if not (_number(value) and value >= 0):  # type: ignore[operator]
            shown = "null" if value is None else repr(value)[:30]
            raise bad_input(
                where, f"benchmark {name!r}: {key} is not a time", "a number >= 0", shown
            )
    low, mid, high = float(q1), float(median), float(q3)  # type: ignore[arg-type]
    if not low <= mid <= high:
        raise bad_input(
            where,
            f"benchmark {name!r}: quartiles out of order",
            "q1 <= median <= q3",
            f"{low:g}, {mid:g}, {high:g}",
        )
    return Timing(mid, low, high)


def _pytest_benchmark(doc: dict[str, Any], where: str) -> dict[str, Timing]:
    found: dict[str, Timing] = {}
    for index, item in enumerate(doc["benchmarks"]):
        if not isinstance(item, dict):
            raise bad_input(where, f"benchmarks[{index}] is not an object", "a benchmark")
        name = item.get("fullname") or item.get("name")
        stats = item.get("stats")
        if not isinstance(name, str) or not name or not isinstance(stats, dict):
            raise bad_input(
                where,
                f"benchmarks[{index}] has no fullname and stats",
                "each benchmark as pytest-benchmark writes it",
            )
        timing = _timing(where, name, stats.get("median"), stats.get("q1"), stats.get("q3"))
        rounds = stats.get("rounds")
        timing.rounds = rounds if isinstance(rounds, int) and not isinstance(rounds, bool) else None
        if name in found:
            raise bad_input(where, f"benchmark {name!r} is listed twice", "one entry a benchmark")
        found[name] = timing
    return found


def _asv_names(name: str, params: object, count: int, where: str) -> list[str]:
    """The names of a benchmark's results: one per combination of its parameters."""
    if not params:
        return [name] if count == 1 else [f"{name}[{i}]" for i in range(count)]
    if not isinstance(params, list) or not all(isinstance(p, list) and p for p in params):
        raise bad_input(where, f"benchmark {name!r}: bad params", "lists of parameter values")
    combos: list[list[str]] = [[]]
    for values in params:
        combos = [[*c, str(v)] for c in combos for v in values]
    if len(combos) != count:
        raise bad_input(
            where,
            f"benchmark {name!r}: {count} results for {len(combos)} parameter combinations",
            "one result per combination",
        )
    return [f"{name}({', '.join(c)})" for c in combos]


def _asv(doc: dict[str, Any], where: str) -> dict[str, Timing]:
    columns = doc.get("result_columns")
    if not isinstance(columns, list) or not {"result", "stats_q_25", "stats_q_75"} <= set(columns):
        raise bad_input(
            where,
            "an asv results file without result_columns result, stats_q_25 and stats_q_75",
            "asv's results format, version 2",
        )
    at = {column: i for i, column in enumerate(columns)}
    found: dict[str, Timing] = {}
    for name, row in doc["results"].items():
        if not isinstance(row, list):
            raise bad_input(where, f"benchmark {name!r}: not a list of columns", "asv's results")

        def column(key: str, row: list[Any] = row) -> list[Any]:
            value = row[at[key]] if at[key] < len(row) else None
            return value if isinstance(value, list) else [value]

        medians = column("result")
        if medians == [None]:
            continue  # the benchmark failed as a whole: asv writes a null result
        q25, q75 = column("stats_q_25"), column("stats_q_75")
        params = row[at["params"]] if "params" in at and at["params"] < len(row) else []
        names = _asv_names(str(name), params, len(medians), where)
        for i, full in enumerate(names):
            median = medians[i]
            if median is None or (isinstance(median, float) and math.isnan(median)):
                continue  # asv's mark of a benchmark that failed or was skipped
            low = q25[i] if i < len(q25) and q25[i] is not None else median
            high = q75[i] if i < len(q75) and q75[i] is not None else median
            found[full] = _timing(where, full, median, low, high)
    return found


# Every round's time that pytest-benchmark keeps under "data": an array of plain numbers,
# most of a file's bytes and of the time to parse it, and never read here; it is replaced by
# null before parsing. A quote inside a JSON string is escaped, so a match is a key's value
# (the key "data", or one whose name ends in an escaped quote and "data"), and only ever an
# array of numbers: the figures read below are untouched. Errors are told of the file as
# it is, so that their lines and columns are the file's.
_ROUNDS = re.compile(rb'"data"\s*:\s*\[[-+0-9.eE,\s]*\]')


def parse(data: bytes, where: str) -> dict[str, Timing]:
    """Benchmark results of either kind, from a file's bytes, by benchmark name."""
    import json

    try:
        doc = json.loads(_ROUNDS.sub(b'"data": null', data))
    except RecursionError:
        raise bad_input(where, "nested too deeply to read", EXPECTED) from None
    except ValueError:
        try:
            json.loads(data)
        except RecursionError:
            raise bad_input(where, "nested too deeply to read", EXPECTED) from None
        except ValueError as exc:
            raise bad_input(where, f"not JSON ({exc})", EXPECTED) from None
        raise bad_input(where, "not JSON", EXPECTED) from None  # pragma: no cover - see _ROUNDS
    if isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list):
        return _pytest_benchmark(doc, where)
    if isinstance(doc, dict) and isinstance(doc.get("results"), dict):
        return _asv(doc, where)
    raise bad_input(where, "no benchmarks in it (no benchmarks list, no results table)", EXPECTED)


def read(path: str, shown: str) -> dict[str, Timing]:
    """A results file (see `parse`), read through `files` (size limit, no FIFOs)."""
    return parse(files.read_bytes(path, shown, MAX_BYTES, EXPECTED), shown)


# --------------------------------------------------------------------------- telling


def duration(seconds: float) -> str:
    """A time as a person reads it: 1.23 s, 45.6 ms, 789 us, 12.3 ns."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def describe(moved: Moved) -> str:
    """The medians and the spreads of a benchmark that moved, in one line."""
    b, h = moved.base, moved.head
    sign = "+" if moved.percent > 0 else ""
    change = "new time" if math.isinf(moved.percent) else f"{sign}{moved.percent:.1f}%"
    return (
        f"median {duration(b.median)} -> {duration(h.median)} ({change}); interquartile "
        f"ranges {duration(b.q1)}-{duration(b.q3)} and {duration(h.q1)}-{duration(h.q3)}"
    )


def file_of(name: str) -> str | None:
    """The test file a pytest-benchmark name starts with (tests/bench.py::test_x)."""
    path = name.partition("::")[0]
    return path if "::" in name and path.endswith(".py") else None


def names(items: Iterable[str], shown: int = 5) -> str:
    listed = list(items)
    head = ", ".join(listed[:shown])
    return head + (f" and {len(listed) - shown} more" if len(listed) > shown else "")


def counts(moved: list[Moved]) -> dict[str, int]:
    out = {SLOWER: 0, FASTER: 0, NOISE: 0, SAME: 0}
    for m in moved:
        out[m.verdict] += 1
    return out
