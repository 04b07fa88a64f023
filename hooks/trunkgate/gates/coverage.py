"""Total coverage, and coverage of the lines a change adds or edits (diff coverage).

Reads what coverage.py measured: its data file `.coverage` (through coverage's own API), or
its Cobertura report `coverage.xml` (`coverage xml`) or JSON report `coverage.json`
(`coverage json`). By default the newest of the three in the project root, a report winning
a tie: a report already holds every file's statements, while the data file needs coverage to
analyse the sources (every file for the total, only the changed ones with --diff-only).

Checks the total against fail-under, each file against file-fail-under (0: off), and the
lines added or changed since the base against diff-fail-under. The base: --base, else in CI
the pull request's base (or the push's previous commit), else the trunk; the change runs from
its merge-base with HEAD to the working tree, and a renamed file counts as new. Diff
coverage counts lines, as diff-cover does; a branch never taken on a changed line is a
warning. A change with fewer coverable lines than diff-min-lines is reported but not gated.
--run-tests runs test-command first.
"""

from __future__ import annotations

import io
import math
import os
import re
import time

from trunkgate import config, flags, registry, report, tools
from trunkgate.change import Change, relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
    from typing import Any
    from xml.etree import ElementTree

    import coverage as coverage_api

GATE = "coverage"
EXAMPLE = (
    "trunkgate coverage --base origin/main\n"
    "  trunkgate coverage --diff-only --data coverage.xml\n"
    "  trunkgate coverage --run-tests --test-command 'pytest -q --cov'"
)
ARGS = (
    flags.Arg(
        "files",
        "limit diff coverage to these files (default: every file of the project that changed)",
        kind="pos*",
        metavar="FILE",
    ),
    flags.Arg(
        "--base",
        "measure the lines changed since the merge-base of REF and HEAD (default: in CI the "
        "pull request's base or the push's previous commit, else the trunk)",
        metavar="REF",
    ),
    flags.Arg(
        "--diff-only",
        "check diff coverage only, not the total nor each file (with a .coverage data file, "
        "coverage then analyses the changed files only)",
        kind="flag",
    ),
    flags.Arg("--run-tests", "run test-command first, to measure afresh", kind="flag"),
)
# Where to look by default; the newest wins, and on a tie the later in this list: a report
# is written from the data file, after it.
CANDIDATES = (".coverage", "coverage.xml", "coverage.json")
SQLITE = b"SQLite format 3\x00"  # how coverage's data file (an SQLite database) starts
SLACK_NS = 2_000_000_000  # file systems that keep times in whole (or two) seconds
FIX = (
    "Add tests that run the lines reported (`coverage report -m` or `coverage html` shows "
    "every uncovered line), or exclude code that must not count with `# pragma: no cover`. "
    "Diff coverage counts only the lines the change adds or edits."
)
SHOWN = 5  # file names a note lists before "and N more"


class FileCoverage:
    """What coverage measured in one file: its statements, those never run, and the lines
    whose branches were not all taken. `percent` is coverage's own figure for the file
    (statements and branches); without one, the share of statements run."""

    __slots__ = ("missing", "partial", "percent", "statements")

    def __init__(
        self,
        statements: Iterable[int],
        missing: Iterable[int] = (),
        partial: Iterable[int] = (),
        percent: float | None = None,
    ) -> None:
        self.statements = set(statements)
        self.missing = set(missing) & self.statements
        self.partial = set(partial) - self.missing
        if percent is None:
            run = len(self.statements) - len(self.missing)
            percent = 100.0 * run / len(self.statements) if self.statements else 100.0
        self.percent = percent

    def __repr__(self) -> str:
        return f"FileCoverage({len(self.statements)} statements, {self.percent:.2f}%)"


class Measured:
    """Every file a data source measured, by path (relative to the repository's top level,
    posix; absolute for files outside it), and the total when the source holds it."""

    __slots__ = ("files", "kind", "total")

    def __init__(self, files: dict[str, FileCoverage], total: float | None, kind: str) -> None:
        self.files = files
        self.total = total
        self.kind = kind  # "coverage data", "Cobertura XML report", "JSON report"


class DiffFile:
    """One changed file that coverage measured: its changed statements, and which of them
    were not run or left a branch untaken."""

    __slots__ = ("lines", "partial", "path", "uncovered")

    def __init__(self, path: str, lines: set[int], uncovered: set[int], partial: set[int]):
        self.path = path
        self.lines = lines
        self.uncovered = uncovered
        self.partial = partial


# --------------------------------------------------------------------------- pure checks


def line_ranges(lines: Iterable[int]) -> str:
    """Line numbers as short ranges: {12, 13, 14, 20} -> "12-14, 20"."""
    parts: list[str] = []
    start = end = None
    for n in sorted(set(lines)):
        if end is not None and n == end + 1:
            end = n
            continue
        if start is not None:
            parts.append(str(start) if start == end else f"{start}-{end}")
        start = end = n
    if start is not None:
        parts.append(str(start) if start == end else f"{start}-{end}")
    return ", ".join(parts)


def percent(value: float, limit: float | None = None) -> str:
    """A percentage with two decimals; more when rounding would hide that it is below `limit`."""
    text = f"{value:.2f}"
    if limit is not None and value < limit and float(text) >= limit:
        text = f"{value:.6f}".rstrip("0")
    return f"{text}%"


def _limit(value: float) -> str:
    return f"{value:g}%"


def _lines_phrase(lines: set[int], what: str) -> str:
    many = len(lines) > 1
    return f"line{'s' * many} {line_ranges(lines)} {'are' if many else 'is'} {what}"


def diff_files(
    changed: dict[str, set[int]], measured: dict[str, FileCoverage]
) -> tuple[list[DiffFile], list[str]]:
    """The changed files coverage measured, with their changed statements, and the changed
    files it did not measure (not Python, outside its source, omitted, or new and unrun)."""
    found, unmeasured = [], []
    for path in sorted(changed):
        cov = measured.get(path)
        if cov is None:
            unmeasured.append(path)
            continue
        lines = changed[path] & cov.statements
        found.append(DiffFile(path, lines, lines & cov.missing, lines & cov.partial))
    return found, unmeasured


def diff_percent(files: Iterable[DiffFile]) -> tuple[int, int, float | None]:
    """(changed statements, those not run, the share run in percent; None when none)."""
    total = uncovered = 0
    for f in files:
        total += len(f.lines)
        uncovered += len(f.uncovered)
    return total, uncovered, (100.0 * (total - uncovered) / total if total else None)


def check_diff(
    files: Sequence[DiffFile], policy: config.Policy, where: Callable[[str], str] = str
) -> tuple[list[report.Finding], str]:
    """Findings for the changed lines not covered, and a sentence that sums the change up.

    Uncovered lines are errors when diff coverage is below diff-fail-under and the change
    has at least diff-min-lines coverable lines; warnings otherwise. A branch never taken on
    a changed line is always a warning. `where` turns a path into the one findings show.
    """
    total, uncovered, share = diff_percent(files)
    limit = float(policy.diff_fail_under)
    minimum = int(policy.diff_min_lines)
    if share is None:
        return [], "diff coverage: no coverable lines changed"
    failed = share < limit and total >= minimum
    severity = report.ERROR if failed else report.WARNING
    findings: list[report.Finding] = []
    for f in files:
        mine = []
        if f.uncovered:
            mine.append(
                report.Finding(
                    "diff-uncovered",
                    _lines_phrase(f.uncovered, "not covered"),
                    file=where(f.path),
                    line=min(f.uncovered),
                    severity=severity,
                )
            )
        if f.partial:
            mine.append(
                report.Finding(
                    "diff-partial-branch",
                    _lines_phrase(f.partial, "only partly covered: a branch is never taken"),
                    file=where(f.path),
                    line=min(f.partial),
                    severity=report.WARNING,
                )
            )
        findings += sorted(mine, key=lambda x: x.line or 0)
    counts = f"{total - uncovered} of {report.plural(total, 'changed line')} covered"
    summary = f"diff coverage {percent(share, limit)}: {counts}"
    if failed:
        findings.insert(
            0,
            report.Finding(
                "diff-coverage",
                f"diff coverage {percent(share, limit)} is below the minimum {_limit(limit)} "
                f"({uncovered} of {report.plural(total, 'changed line')} not covered)",
            ),
        )
        return findings, summary
    if total < minimum:
        return findings, f"{summary} (not gated: fewer than diff-min-lines, {minimum})"
    return findings, f"{summary} (minimum {_limit(limit)})"


def check_total(total: float, policy: config.Policy) -> tuple[list[report.Finding], str]:
    """The total against fail-under (0: reported, not gated)."""
    limit = float(policy.fail_under)
    if limit and total < limit:
        message = f"total coverage {percent(total, limit)} is below the minimum {_limit(limit)}"
        return [report.Finding("fail-under", message)], f"total coverage {percent(total, limit)}"
    gate = f"minimum {_limit(limit)}" if limit else "not gated: fail-under is 0"
    return [], f"total coverage {percent(total)} ({gate})"


def check_files(
    files: dict[str, FileCoverage], policy: config.Policy, where: Callable[[str], str] = str
) -> list[report.Finding]:
    """Each measured file against file-fail-under (0: off); files with no statements pass."""
    limit = float(policy.file_fail_under)
    if not limit:
        return []
    return [
        report.Finding(
            "file-fail-under",
            f"coverage {percent(cov.percent, limit)} is below the per-file minimum {_limit(limit)}",
            file=where(path),
        )
        for path, cov in sorted(files.items())
        if cov.statements and cov.percent < limit
    ]


# --------------------------------------------------------------------------- file names


class PathMap:
    """Turns the file names a coverage source holds into paths relative to the repository's
    top level (posix). Relative names are taken from the first base folder they exist in
    (the first base when none holds them); names outside the repository stay absolute."""

    __slots__ = ("bases", "prefix", "top")

    def __init__(self, top: str, bases: Sequence[str]) -> None:
        self.top = top
        self.prefix = top.rstrip(os.sep) + os.sep
        self.bases = [os.path.normpath(b) for b in bases] or [top]

    def __call__(self, name: str) -> str:
        if os.path.isabs(name):
            full = os.path.normpath(name)
        elif len(self.bases) == 1:
            full = os.path.normpath(os.path.join(self.bases[0], name))
        else:
            tries = [os.path.normpath(os.path.join(b, name)) for b in self.bases]
            full = next((t for t in tries if os.path.exists(t)), tries[0])
        if full.startswith(self.prefix):
            rel = full[len(self.prefix) :]
            return rel.replace(os.sep, "/") if os.sep != "/" else rel
        return full


# --------------------------------------------------------------------------- reading


def _bad(where: str, what: str, expected: str, got: str | None = None) -> report.UsageError:
    """Bad input, in one line: where, what is wrong, what was expected, and what was found."""
    found = f", not {got}" if got is not None else ""
    return report.UsageError(f"{where}: {what}, expected {expected}{found}")


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _quoted(text: str) -> str:
    """A value from the input, quoted, short, and on one line whatever it holds."""
    import json

    return json.dumps(_short(text))


def _shown(value: object) -> str:
    """A value from a JSON report as a message shows it, short and on one line: JSON for a
    string, a number, a boolean, null or an array of numbers; else its kind."""
    import json

    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list) and not all(_is_number(v) for v in value):
        return "an array"
    return _short(json.dumps(value))


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused


def _refused(where: str) -> report.UsageError:
    return _bad(where, "declares a DOCTYPE or entities", "a plain Cobertura report")


def _not_xml(where: str, exc: Exception) -> report.UsageError:
    return _bad(where, f"not well-formed XML ({exc})", "a Cobertura report")


def _parse_xml(data: bytes, where: str) -> ElementTree.Element:
    """The root element of a report, parsed by ElementTree. A DOCTYPE is refused, and with
    it any entity declaration (they live in one): no entity is expanded and no external DTD
    or entity is loaded, which is what defusedxml would guard against."""
    # Safe: the Builder refuses a DOCTYPE, which leaves defusedxml nothing to guard against.
    import xml.etree.ElementTree as ET  # nosec B405

    class Builder(ET.TreeBuilder):
        def doctype(self, *_: object) -> None:
            raise _Refused

    parser = ET.XMLParser(target=Builder())  # noqa: S314  # nosec B314
    try:
        parser.feed(data)
        return parser.close()
    except _Refused:
        raise _refused(where) from None
    except ET.ParseError as exc:
        raise _not_xml(where, exc) from None


def read_xml(
    data: bytes,
    where: str,
    top: str,
    folder: str,
    only: Mapping[str, Collection[int]] | None = None,
) -> Measured:
    """A Cobertura XML report (`coverage xml`), checked; `folder` holds it (relative sources
    start there). With `only` ({path relative to the top: line numbers}), just those files,
    and of each just those lines (its `percent` then counts those alone). A DOCTYPE or an
    entity declaration is refused: a report needs neither.

    When `only` names fewer than half the report's classes, just those are parsed (see
    _class_spans): parsing every element of a large report costs more than the rest of the
    gate. Should that read fail, the whole report is read, to say what is wrong."""
    spans = None if only is None else _class_spans(data, len(only), where)
    if spans is not None:
        try:
            return _xml_measured(data, where, top, folder, only, spans)
        except report.UsageError:
            pass
    return _xml_measured(data, where, top, folder, only, None)


def _xml_measured(
    data: bytes,
    where: str,
    top: str,
    folder: str,
    only: Mapping[str, Collection[int]] | None,
    spans: list[tuple[int, int, int]] | None,
) -> Measured:
    """read_xml, from the whole report, or (with `spans`) from its skeleton and its wanted
    classes."""
    root = _parse_xml(data if spans is None else _skeleton(data, spans), where)
    if root.tag != "coverage":
        raise _bad(
            where,
            f"the root element is <{root.tag}>, not a Cobertura report",
            "<coverage> as coverage.py's `coverage xml` writes",
        )
    if not root.get("line-rate"):
        raise _bad(
            where,
            "the <coverage> element has no line-rate",
            "a Cobertura report as coverage.py's `coverage xml` writes",
        )
    sources = ["".join(s.itertext()).strip() for s in root.iterfind("sources/source")]
    paths = PathMap(top, [os.path.join(folder, s) for s in sources if s] or [folder])
    elements = list(root.iter("class"))
    picked: list[tuple[int, str]] = []  # (the class's place among the classes, its path)
    for i, element in enumerate(elements):
        filename = element.get("filename")
        path = paths(filename) if filename else None
        if path is not None and (only is None or path in only):
            picked.append((i, path))
    if spans is not None:  # the skeleton's classes are empty: parse the wanted ones whole
        wanted = b"".join(data[spans[i][0] : spans[i][2]] for i, _ in picked)
        found = _DECLARATION.match(data)
        head = found.group() if found else b""  # the encoding, when it is not UTF-8
        elements = list(_parse_xml(head + b"<x>" + wanted + b"</x>", where))
        picked = [(n, path) for n, (_, path) in enumerate(picked)]
    classes: dict[str, list[dict[str, str]]] = {}
    for i, path in picked:
        classes.setdefault(path, []).extend(line.attrib for line in elements[i].iter("line"))
    files = {
        path: _xml_file(lines, None if only is None else only[path], where, path)
        for path, lines in classes.items()
    }
    return Measured(files, _xml_total(root.attrib, where), "Cobertura XML report")


# A <class> start tag, whole; the XML declaration a report may start with; the branches a
# line takes of those it has, as in condition-coverage="50% (1/2)".
_CLASS = re.compile(rb"""<class(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^?]*\?>")
_CONDITION = re.compile(r"\(\s*([0-9]+)\s*/\s*([0-9]+)\s*\)")


def _class_spans(data: bytes, wanted: int, where: str) -> list[tuple[int, int, int]] | None:
    """Where each <class> element of a report starts, where its start tag ends and where it
    ends, found by their bytes, when there are more than twice `wanted` of them; checks
    first that the whole report is well-formed, in C (see _check_xml).

    Sound because in well-formed XML a `<` starts markup everywhere but in comments, CDATA
    sections and processing instructions: when none of those holds "<class", the matches of
    _CLASS are exactly the classes' start tags. None (read the whole report) when they do,
    when a class holds a class (not a Cobertura report's shape), or when there are few
    classes."""
    tags = list(_CLASS.finditer(data))
    if wanted * 2 >= len(tags) or not _check_xml(data, where):
        return None
    spans = []
    for i, tag in enumerate(tags):
        end = tag.end()
        if not tag.group().endswith(b"/>"):
            close = data.find(b"</class>", end)
            if close < 0 or (i + 1 < len(tags) and tags[i + 1].start() < close):
                return None
            end = close + len(b"</class>")
        spans.append((tag.start(), tag.end(), end))
    return spans


def _skeleton(data: bytes, spans: list[tuple[int, int, int]]) -> bytes:
    """The report with each class left empty: just its start tag, self-closing."""
    parts, at = [], 0
    for start, tag_end, end in spans:
        tag = data[start:tag_end]
        parts += [data[at:start], tag if tag.endswith(b"/>") else tag[:-1] + b"/>"]
        at = end
    parts.append(data[at:])
    return b"".join(parts)


def _check_xml(data: bytes, where: str) -> bool:
    """Check that a report is well-formed XML without a DOCTYPE, as _parse_xml does but with
    expat alone, in C, building nothing; True when no comment, CDATA section or processing
    instruction in it holds "<class"."""
    import xml.parsers.expat as expat

    hidden = False

    def look(*parts: str) -> None:
        nonlocal hidden
        hidden = hidden or any("<class" in p for p in parts)

    def cdata() -> None:
        nonlocal hidden
        hidden = True

    parser = expat.ParserCreate(namespace_separator="}")  # as ElementTree's
    parser.StartDoctypeDeclHandler = _refuse
    parser.CommentHandler = look
    parser.ProcessingInstructionHandler = look
    parser.StartCdataSectionHandler = cdata
    try:
        parser.Parse(data, True)
    except _Refused:
        raise _refused(where) from None
    except expat.ExpatError as exc:
        raise _not_xml(where, exc) from None
    return not hidden


def _xml_file(
    lines: list[dict[str, str]], keep: Collection[int] | None, where: str, path: str
) -> FileCoverage:
    """One file's <line>s, checked: line numbers and hits are whole numbers, and a branch
    line takes at most the branches it has."""
    statements: set[int] = set()
    missing, partial = set(), set()
    branches = taken = 0
    for attrs in lines:
        try:
            number = int(attrs["number"])
            hits = int(attrs.get("hits", "0"))
        except (KeyError, ValueError):
            number = hits = -1  # refused below, as a negative one is
        if number < 0 or hits < 0:
            shown = " ".join(f"{k}={_quoted(attrs[k])}" for k in ("number", "hits") if k in attrs)
            raise _bad(
                where,
                f"{path}: a <line> without a number or hits",
                'number="N" hits="N" with whole numbers N',
                f"<line {shown}>",
            )
        done = out_of = 0
        condition = attrs.get("condition-coverage")  # "50% (1/2)"
        if condition and "(" in condition:
            found = _CONDITION.search(condition)
            if found is None or int(found[1]) > int(found[2]):
                raise _bad(
                    where,
                    f"{path}: line {number} has a bad condition-coverage",
                    '"P% (TAKEN/ALL)" with whole numbers, TAKEN at most ALL',
                    f"condition-coverage={_quoted(condition)}",
                )
            done, out_of = int(found[1]), int(found[2])
        if number in statements or (keep is not None and number not in keep):
            continue  # listed again (under <methods> by some producers), or not wanted
        statements.add(number)
        if hits == 0:
            missing.add(number)
        branches += out_of
        taken += done
        if done < out_of:
            partial.add(number)
    whole = len(statements) + branches
    share = 100.0 * (len(statements) - len(missing) + taken) / whole if whole else 100.0
    return FileCoverage(statements, missing, partial, share)


def _xml_total(root: dict[str, str], where: str) -> float:
    """The total as coverage.py counts it: (statements run + branches taken) / (statements +
    branches), from the root's counts; from its line-rate when it has no counts. The
    line-rate must be a number from 0 to 1 (NaN and infinities are not)."""
    rate = root["line-rate"]
    try:
        share = float(rate)
    except ValueError:
        share = math.nan
    if not 0 <= share <= 1:
        raise _bad(
            where,
            "the <coverage> element has a bad line-rate",
            "a number from 0 to 1",
            f"line-rate={_quoted(rate)}",
        )
    counts: dict[str, int] = {}
    for key in ("lines-valid", "lines-covered", "branches-valid", "branches-covered"):
        text = root.get(key) or "0"
        try:
            counts[key] = int(text)
        except ValueError:
            counts[key] = -1  # refused below, as a negative count is
        if counts[key] < 0:
            raise _bad(
                where,
                "the <coverage> element has bad counts",
                "whole numbers",
                f"{key}={_quoted(text)}",
            )
    for covered, valid in (
        ("lines-covered", "lines-valid"),
        ("branches-covered", "branches-valid"),
    ):
        if valid in root and counts[covered] > counts[valid]:
            raise _bad(
                where,
                "the <coverage> element has bad counts",
                f"{covered} at most {valid}",
                f"{covered}={_quoted(root[covered])} {valid}={_quoted(root[valid])}",
            )
    if "lines-valid" in root:
        whole = counts["lines-valid"] + counts["branches-valid"]
        run = counts["lines-covered"] + counts["branches-covered"]
        return 100.0 * run / whole if whole else 100.0
    return 100.0 * share


def read_json(
    data: bytes,
    where: str,
    top: str,
    bases: Sequence[str],
    only: Collection[str] | None = None,
) -> Measured:
    """A JSON report (`coverage json`), checked; relative file names are taken from `bases`.
    With `only`, just those files (relative to the top)."""
    import json

    try:
        doc = json.loads(data)
    except RecursionError:
        raise _bad(
            where, "nested too deeply to read", "a coverage.py JSON report (a few levels deep)"
        ) from None
    except ValueError as exc:
        raise _bad(where, f"not JSON ({exc})", "a coverage.py JSON report") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    totals = doc.get("totals") if isinstance(doc, dict) else None
    total = totals.get("percent_covered") if isinstance(totals, dict) else None
    if not isinstance(files, dict) or not isinstance(totals, dict) or not _is_number(total):
        raise _bad(
            where,
            "not a coverage.py JSON report (no files and totals.percent_covered)",
            "the report `coverage json` writes",
        )
    _json_summary(totals, where, "totals")
    total = totals["percent_covered"]
    paths = PathMap(top, bases)
    found: dict[str, FileCoverage] = {}
    for name, entry in files.items():
        path = paths(name)
        if only is None or path in only:
            found[path] = _json_file(entry, where, name)
    return Measured(found, float(total), "JSON report")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return _is_int(value) and value >= 0  # type: ignore[operator]


# The counts in a JSON report's totals and in each file's summary.
JSON_COUNTS = (
    "num_statements",
    "covered_lines",
    "missing_lines",
    "excluded_lines",
    "num_branches",
    "covered_branches",
    "missing_branches",
    "num_partial_branches",
)


def _json_summary(summary: dict[str, Any], where: str, label: str) -> None:  # JSON
    """Check the figures of a JSON report's totals or of a file's summary: the share covered
    is a number from 0 to 100 (NaN and infinities are not), counts are whole numbers, and
    no more lines or branches are covered than there are."""
    share = summary.get("percent_covered")
    if share is not None and not (_is_number(share) and 0 <= share <= 100):
        raise _bad(
            where,
            f"{label}.percent_covered is not a percentage",
            "a number from 0 to 100",
            _shown(share),
        )
    for key in JSON_COUNTS:
        value = summary.get(key)
        if value is not None and not _is_count(value):
            raise _bad(where, f"{label}.{key} is not a count", "a whole number", _shown(value))
    for covered, valid in (
        ("covered_lines", "num_statements"),
        ("covered_branches", "num_branches"),
    ):
        most = summary.get(valid)
        if most is not None and summary.get(covered, 0) > most:
            raise _bad(
                where,
                f"{label}.{covered} is above {label}.{valid}",
                f"at most {most}",
                _shown(summary[covered]),
            )


def _json_file(entry: object, where: str, name: str) -> FileCoverage:
    """One file's entry in a JSON report, checked: its lines are whole numbers, and so are
    the lines its missing branches start from; its summary's figures are sane."""

    def bad(expected: str, got: str) -> report.UsageError:
        return _bad(where, f"files[{name!r}] is not a file's report", expected, got)

    lines_expected = "executed_lines and missing_lines as lists of line numbers"
    if not isinstance(entry, dict):
        raise bad(lines_expected, _shown(entry))
    lines: dict[str, list[int]] = {}
    for key in ("executed_lines", "missing_lines"):
        value = entry.get(key)
        if not isinstance(value, list):
            raise bad(lines_expected, f"{key}: {_shown(value)}")
        for number in value:
            if not _is_count(number):
                raise bad(lines_expected, f"{_shown(number)} in {key}")
        lines[key] = value
    branches = entry.get("missing_branches") or []
    pairs_expected = "missing_branches as pairs of line numbers"
    if not isinstance(branches, list):
        raise bad(pairs_expected, f"missing_branches: {_shown(branches)}")
    for pair in branches:
        if not (
            isinstance(pair, list) and len(pair) == 2 and _is_count(pair[0]) and _is_int(pair[1])
        ):
            raise bad(pairs_expected, f"{_shown(pair)} in missing_branches")
    summary = entry.get("summary") or {}
    if not isinstance(summary, dict):
        raise bad("summary as an object", f"summary: {_shown(summary)}")
    _json_summary(summary, where, f"files[{name!r}].summary")
    share = summary.get("percent_covered")
    missing = lines["missing_lines"]
    return FileCoverage(
        lines["executed_lines"] + missing,
        missing,
        {pair[0] for pair in branches},
        None if share is None else float(share),
    )


def read_data(
    path: str,
    where: str,
    top: str,
    only: Collection[str] | None = None,
    total: bool = True,
) -> Measured:
    """coverage.py's data file, loaded by coverage itself, which then analyses the sources:
    every measured file when `only` is None; else just the files in `only` (relative to the
    top), and the total when asked for (which analyses every file, as `coverage report`
    does).

    coverage reads its configuration ([tool.coverage], .coveragerc) from the current folder,
    and resolves relative file names (relative_files = true) against it, as it does itself.
    """
    try:
        import coverage
        from coverage.exceptions import CoverageException
    except ImportError:
        raise report.UsageError(
            f"{where}: reading coverage data needs coverage.py, which is not installed; "
            f"install it with: {registry.tool_of('coverage').install}"
        ) from None
    here = os.path.realpath(os.getcwd())
    paths = PathMap(top, [here])
    try:
        cov = coverage.Coverage(data_file=path)
        cov.load()
        names = cov.get_data().measured_files()
    except CoverageException as exc:
        raise report.UsageError(f"{where}: {exc}") from None
    if not names:
        raise _bad(where, "holds no measured files", "the data of a run under coverage")
    morfs = None if only is None else sorted(n for n in names if paths(n) in only)
    try:
        figure = float(cov.report(file=io.StringIO())) if total and morfs is not None else None
        blob = _json_report(cov, morfs)
    except CoverageException as exc:
        raise report.UsageError(f"{where}: {exc}") from None
    if blob is None:
        return Measured({}, figure, "coverage data")
    measured = read_json(blob, where, top, [here], only)
    measured.kind = "coverage data"
    if morfs is not None:
        measured.total = figure
    return measured


def _json_report(cov: coverage_api.Coverage, morfs: list[str] | None) -> bytes | None:
    """coverage's JSON report of `morfs` (None: every file); None when there is nothing to
    report on: no file asked for, or every one omitted by [report] omit."""
    import tempfile

    from coverage.exceptions import NoDataError

    if morfs == []:
        return None
    with tempfile.TemporaryDirectory(prefix="trunkgate-coverage-") as tmp:
        out = os.path.join(tmp, "coverage.json")
        try:
            cov.json_report(morfs=morfs, outfile=out)
        except NoDataError:
            if morfs is None:
                raise
            return None
        with open(out, "rb") as fh:
            return fh.read()


def find_data(policy: config.Policy) -> str:
    """The data file or report to read: the policy's `data`, else the newest of .coverage,
    coverage.xml and coverage.json in the project root (a report wins a tie)."""
    if policy.data:
        path = policy.path(str(policy.data))
        if not os.path.isfile(path):
            raise report.UsageError(
                f"{policy.data}: no such file (policy key data); run the tests under coverage "
                "first, or pass --run-tests"
            )
        return path
    best: tuple[int, int, str] | None = None
    for rank, name in enumerate(CANDIDATES):
        path = policy.path(name)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            continue
        if best is None or (stamp, rank) > best[:2]:
            best = (stamp, rank, path)
    if best is not None:
        return best[2]
    parallel = [n for n in os.listdir(policy.root) if n.startswith(".coverage.")]
    if parallel:
        raise report.UsageError(
            f".coverage: not found, but {report.plural(len(parallel), 'parallel data file')} "
            "(.coverage.*) are; run `coverage combine` first"
        )
    raise report.UsageError(
        f"no coverage data in {policy.root}: expected .coverage, coverage.xml or coverage.json; "
        "run the tests under coverage first (pytest --cov, or coverage run -m pytest), "
        "or pass --run-tests"
    )


def read(
    path: str,
    where: str,
    top: str,
    only: Mapping[str, Collection[int]] | None = None,
    total: bool = True,
) -> Measured:
    """Whatever `path` holds, read and checked: coverage data (SQLite), a Cobertura XML or a
    JSON report. With `only` ({path relative to the top: line numbers}), just those files in
    detail (of an XML report, just those lines); `total` False lets the data file skip the
    analysis of every file that the total needs (reports hold the total anyway)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise report.UsageError(f"{where}: cannot read the file ({exc.strerror})") from None
    if data.startswith(SQLITE):
        return read_data(path, where, top, only, total)
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    folder = os.path.dirname(os.path.realpath(path))
    if head.startswith(b"<"):
        return read_xml(data, where, top, folder, only)
    if head.startswith(b"{"):
        return read_json(data, where, top, [folder, top], only)
    raise _bad(
        where,
        "not coverage data",
        "coverage.py's data file (SQLite), a Cobertura XML report or a JSON report",
    )


# --------------------------------------------------------------------------- the gate


def run_tests(policy: config.Policy) -> report.Finding | None:
    """Run test-command in the project root; a finding when the tests fail (exit status 1)."""
    import shlex

    command = str(policy.test_command)
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise _bad("test-command", f"cannot split {command!r} ({exc})", "a command") from None
    if not argv or not argv[0]:
        raise _bad("test-command", "empty", "a command such as `pytest --cov`")
    if os.sep not in argv[0]:
        hint = "pip install pytest pytest-cov" if argv[0] == "pytest" else f"install {argv[0]}"
        argv[0] = tools.find(argv[0], f"{hint} (or set the policy key test-command)")
    proc = tools.run(argv, cwd=policy.root, ok=(0, 1))
    if proc.returncode == 0:
        return None
    detail = "\n  ".join(tools.tail(proc.stdout) or tools.tail(proc.stderr) or ["(no output)"])
    return report.Finding(
        "tests-failed", f"the tests failed (`{command}` exited with 1):\n  {detail}"
    )


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:SHOWN])
    return shown + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")


def gate(policy: config.Policy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    notes: list[str] = []
    ran = getattr(opts, "run_tests", False)
    if ran:
        started = time.time_ns()
        failed = run_tests(policy)
        notes.append(f"ran the tests: {policy.test_command}")
        if failed:
            return report.GateResult(GATE, [failed], notes=notes, fix=FIX)
    path = find_data(policy)
    where = relative(path, root)
    if ran and os.stat(path).st_mtime_ns < started - SLACK_NS:
        raise report.UsageError(
            f"{where}: older than the test run, so test-command `{policy.test_command}` does "
            "not measure coverage; make it (pytest --cov, coverage run -m pytest), or point "
            "the policy key data at the file it writes"
        )
    diff_only = bool(getattr(opts, "diff_only", False))
    each_file = not diff_only and bool(policy.file_fail_under)
    total = not diff_only and bool(policy.fail_under)

    top = os.path.realpath(change.top)
    base = change.require_base()
    start = change.diff_start
    given = [os.path.abspath(f) for f in change.given]
    changed = change.changed_lines(given)
    measured = read(path, where, top, None if each_file else changed, total)
    notes.append(f"read {where} ({measured.kind})")

    inside = os.path.relpath(os.path.realpath(root), top).replace(os.sep, "/") + "/"

    def shown(p: str) -> str:  # findings name files relative to the project root
        if inside == "./":
            return p
        if p.startswith(inside):
            return p[len(inside) :]
        return relative(os.path.join(top, p), root)

    findings: list[report.Finding] = []
    metrics: dict[str, object] = {}
    if diff_only:
        notes.append("total coverage not checked (--diff-only)")
    elif measured.total is not None:
        found, note = check_total(measured.total, policy)
        findings += found
        notes.append(note)
        metrics["coverage"] = round(measured.total, 2)
        findings += check_files(measured.files, policy, shown)
    else:
        notes.append("total coverage not measured (fail-under and file-fail-under are 0)")

    files, unmeasured = diff_files(changed, measured.files)
    found, note = check_diff(files, policy, shown)
    findings += found
    since = f"since {base.since(start)}"
    if not changed:
        notes.append(f"diff coverage: nothing to measure, no lines changed {since}")
    else:
        scope = f"{report.plural(len(changed), 'changed file')} {since}"
        if unmeasured:
            scope += f"; not measured: {_names([shown(p) for p in unmeasured])}"
        notes.append(f"{note}, in {scope}")
        share = diff_percent(files)[2]
        if share is not None:
            metrics["diff-coverage"] = round(share, 2)
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
