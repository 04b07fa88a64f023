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

import os
import time

from trunkgate import config, git, report, tools
from trunkgate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    # Reads the change's files from a loaded data file or report: (only, total) -> Measured.
    Finish = Callable[[Mapping[str, Collection[int]] | None, bool], "Measured"]

GATE = "coverage"
EXAMPLE = (
    "trunkgate coverage --base origin/main\n"
    "  trunkgate coverage --diff-only --data coverage.xml\n"
    "  trunkgate coverage --run-tests --test-command 'pytest -q --cov'"
)
ARGS = (
    config.Arg(
        "files",
        "limit diff coverage to these files (default: every file of the project that changed)",
        kind="pos*",
        metavar="FILE",
    ),
    config.Arg(
        "--base",
        "measure the lines changed since the merge-base of REF and HEAD (default: in CI the "
        "pull request's base or the push's previous commit, else the trunk)",
        metavar="REF",
    ),
    config.Arg(
        "--diff-only",
        "check diff coverage only, not the total nor each file (with a .coverage data file, "
        "coverage then analyses the changed files only)",
        kind="flag",
    ),
    config.Arg("--run-tests", "run test-command first, to measure afresh", kind="flag"),
)
INSTALL = "pip install 'trunkgate[coverage]'"
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
    limit = float(policy.diff_fail_under)  # type: ignore[arg-type]
    minimum = int(policy.diff_min_lines)  # type: ignore[call-overload]
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
    counts = f"{total - uncovered} of {total} changed line{'s' * (total != 1)} covered"
    summary = f"diff coverage {percent(share, limit)}: {counts}"
    if failed:
        findings.insert(
            0,
            report.Finding(
                "diff-coverage",
                f"diff coverage {percent(share, limit)} is below the minimum {_limit(limit)} "
                f"({uncovered} of {total} changed line{'s' * (total != 1)} not covered)",
            ),
        )
        return findings, summary
    if total < minimum:
        return findings, f"{summary} (not gated: fewer than diff-min-lines, {minimum})"
    return findings, f"{summary} (minimum {_limit(limit)})"


def check_total(total: float, policy: config.Policy) -> tuple[list[report.Finding], str]:
    """The total against fail-under (0: reported, not gated)."""
    limit = float(policy.fail_under)  # type: ignore[arg-type]
    if limit and total < limit:
        message = f"total coverage {percent(total, limit)} is below the minimum {_limit(limit)}"
        return [report.Finding("fail-under", message)], f"total coverage {percent(total, limit)}"
    gate = f"minimum {_limit(limit)}" if limit else "not gated: fail-under is 0"
    return [], f"total coverage {percent(total)} ({gate})"


def check_files(
    files: dict[str, FileCoverage], policy: config.Policy, where: Callable[[str], str] = str
) -> list[report.Finding]:
    """Each measured file against file-fail-under (0: off); files with no statements pass."""
    limit = float(policy.file_fail_under)  # type: ignore[arg-type]
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


def _bad(where: str, what: str, expected: str) -> report.UsageError:
    return report.UsageError(f"{where}: {what}, expected {expected}")


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused


class _Cobertura:
    """What the gate reads from a Cobertura report's elements: the root's attributes, the
    sources, and the <line>s of each wanted <class>, by path relative to the top."""

    def __init__(
        self, where: str, top: str, folder: str, only: Mapping[str, Collection[int]] | None
    ) -> None:
        self.where = where
        self.top = top
        self.folder = folder
        self.only = only
        self.root: dict[str, str] = {}
        self.sources: list[str] = []
        self.text: list[str] = []
        self.classes: dict[str, list[dict[str, str]]] = {}
        self.paths: PathMap | None = None

    def parser(self, expat, handler: bool = True):  # expat: the module, imported lazily
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.buffer_text = True
        if handler:
            parser.StartElementHandler = self.handler(parser)
        return parser

    def wanted(self, filename: str | None) -> str | None:
        """The path of a <class filename>, when its lines are wanted."""
        if self.paths is None:  # <sources> come before the <packages> that hold classes
            bases = [os.path.join(self.folder, s) for s in self.sources if s]
            self.paths = PathMap(self.top, bases or [self.folder])
        path = self.paths(filename) if filename else None
        return path if path is not None and (self.only is None or path in self.only) else None

    def handler(self, parser):
        """The start-element handler: a closure, as <line> is by far the most common element
        and its path must be short."""
        lines: list[dict[str, str]] | None = None  # those of the <class> being read, if wanted
        classes, root, text = self.classes, self.root, self.text

        def end_source(name: str) -> None:
            if name == "source":
                self.sources.append("".join(text).strip())
                text.clear()
                parser.CharacterDataHandler = None
            else:  # </sources>
                parser.EndElementHandler = None

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal lines
            if name == "line":
                if lines is not None:
                    lines.append(attrs)
            elif name == "class":
                path = self.wanted(attrs.get("filename"))
                lines = None if path is None else classes.setdefault(path, [])
            elif not root:
                if name != "coverage":
                    raise _bad(
                        self.where,
                        f"the root element is <{name}>, not a Cobertura report",
                        "<coverage> as coverage.py's `coverage xml` writes",
                    )
                root.update(attrs)
                root.setdefault("line-rate", "")
            elif name == "source":
                text.clear()
                parser.CharacterDataHandler = text.append
            elif name == "sources":
                parser.EndElementHandler = end_source

        return start


_CLASS = b"<class"
_AFTER_NAME = frozenset(b" \t\r\n/>")


def _class_starts(data: bytes) -> list[int]:
    """Where each <class> element starts."""
    found = []
    at = data.find(_CLASS)
    while at >= 0:
        if data[at + len(_CLASS) : at + len(_CLASS) + 1] and data[at + len(_CLASS)] in _AFTER_NAME:
            found.append(at)
        at = data.find(_CLASS, at + 1)
    return found


def _validate(data: bytes, reader: _Cobertura, expat) -> bool:
    """Check that a report is well-formed XML without a DOCTYPE, in C (no element handlers);
    True when it can also be read by class (see _read_by_class): no comment, CDATA section
    or processing instruction in it holds "<class"."""
    hidden = False

    def look(*parts: object) -> None:
        nonlocal hidden
        hidden = hidden or any(isinstance(p, str) and "<class" in p for p in parts)

    def cdata() -> None:
        nonlocal hidden
        hidden = True

    check = reader.parser(expat, handler=False)
    check.CommentHandler = look
    check.ProcessingInstructionHandler = look
    check.StartCdataSectionHandler = cdata
    check.Parse(data, True)
    return not hidden


def _read_by_class(data: bytes, reader: _Cobertura, expat) -> bool:
    """Read a report that _validate passed without handling each of its elements in Python:
    its head (root and sources), the start tag of every <class>, and the whole of the wanted
    ones only.

    Sound because in well-formed XML a `<` starts markup everywhere but in comments, CDATA
    sections and processing instructions: when none of those holds "<class", the bytes
    "<class" followed by a space, `/` or `>` are exactly the classes' start tags, each running
    to the next `<`. False (read nothing) when the report nests a class in a class, or when
    a quarter of its classes or more are wanted (reading every element is then as quick).
    """
    starts = _class_starts(data)
    if not starts or len(reader.only or ()) * 4 >= len(starts):
        return False
    ends = [data.find(b"<", at + 1) for at in starts]
    heads = [data[at:end].rstrip() for at, end in zip(starts, ends, strict=True)]
    if any(not h.endswith(b">") for h in heads):
        return False  # pragma: no cover - a well-formed report has none
    closing = [data.find(b"</class>", at) for at in starts]
    for i, (head, close) in enumerate(zip(heads, closing, strict=True)):
        if head.endswith(b"/>"):
            closing[i] = -1
        elif close < 0 or (i + 1 < len(starts) and starts[i + 1] < close):
            return False  # a class inside a class: not a Cobertura report's shape
    # The head: the root element and the sources.
    reader.parser(expat).Parse(data[: starts[0]], False)
    # Every start tag, in one small document, to learn which classes are wanted.
    names: list[str | None] = []
    tags = reader.parser(expat, handler=False)
    tags.StartElementHandler = lambda name, attrs: names.append(attrs.get("filename"))
    tags.Parse(b"<x>" + b"".join(h if h.endswith(b"/>") else h + b"</class>" for h in heads))
    wanted = [
        head if close < 0 else data[at : close + len(b"</class>")]
        for at, head, close, name in zip(starts, heads, closing, names[1:], strict=True)
        if reader.wanted(name) is not None
    ]
    # The wanted classes, whole, in one document.
    reader.parser(expat).Parse(b"<x>" + b"".join(wanted) + b"</x>", True)
    return True


def load_xml(data: bytes, where: str, top: str, folder: str) -> Finish:
    """A Cobertura XML report (`coverage xml`), checked; `folder` holds it (relative sources
    start there). A DOCTYPE or an entity declaration is refused: a report needs neither."""
    import xml.parsers.expat as expat

    def bad_xml(exc: Exception) -> report.UsageError:
        if isinstance(exc, _Refused):
            return _bad(where, "declares a DOCTYPE or entities", "a plain Cobertura report")
        return _bad(where, f"not well-formed XML ({exc})", "a Cobertura report")

    try:
        by_class = _validate(data, _Cobertura(where, top, folder, None), expat)
    except (_Refused, expat.ExpatError) as exc:
        raise bad_xml(exc) from None

    def finish(only: Mapping[str, Collection[int]] | None, total: bool) -> Measured:
        reader = _Cobertura(where, top, folder, only)
        if only is None or not by_class or not _read_by_class(data, reader, expat):
            reader = _Cobertura(where, top, folder, only)
            reader.parser(expat).Parse(data, True)
        root = reader.root
        if not root.get("line-rate"):
            raise _bad(
                where,
                "the <coverage> element has no line-rate",
                "a Cobertura report as coverage.py's `coverage xml` writes",
            )
        files: dict[str, FileCoverage] = {}
        for path, found in reader.classes.items():
            try:
                files[path] = _xml_file(found, None if only is None else only[path])
            except (KeyError, ValueError):
                raise _bad(
                    where, f"{path}: a <line> without a number or hits", 'number="N" hits="N"'
                ) from None
        return Measured(files, _xml_total(root, where), "Cobertura XML report")

    return finish


def read_xml(
    data: bytes,
    where: str,
    top: str,
    folder: str,
    only: Mapping[str, Collection[int]] | None = None,
) -> Measured:
    """A Cobertura XML report, read; with `only` ({path relative to the top: line numbers}),
    just those files, and of each just those lines (its `percent` then counts those alone)."""
    return load_xml(data, where, top, folder)(only, True)


def _xml_file(lines: list[dict[str, str]], keep: Collection[int] | None) -> FileCoverage:
    statements: set[int] = set()
    missing, partial = set(), set()
    branches = taken = 0
    for attrs in lines:
        number = int(attrs["number"])
        if number in statements or (keep is not None and number not in keep):
            continue  # listed again (under <methods> by some producers), or not wanted
        statements.add(number)
        hits = attrs.get("hits", "0")
        if hits == "0" or int(hits) <= 0:
            missing.add(number)
        condition = attrs.get("condition-coverage")  # "50% (1/2)"
        if condition and "(" in condition:
            done, _, out_of = condition[condition.index("(") + 1 :].rstrip(")").partition("/")
            branches += int(out_of)
            taken += int(done)
            if int(done) < int(out_of):
                partial.add(number)
    whole = len(statements) + branches
    share = 100.0 * (len(statements) - len(missing) + taken) / whole if whole else 100.0
    return FileCoverage(statements, missing, partial, share)


def _xml_total(root: dict[str, str], where: str) -> float:
    """The total as coverage.py counts it: (statements run + branches taken) / (statements +
    branches), from the root's counts; from its line-rate when it has no counts."""
    try:
        counts = [int(root.get(k) or 0) for k in ("lines-valid", "lines-covered")]
        counts += [int(root.get(k) or 0) for k in ("branches-valid", "branches-covered")]
        if "lines-valid" in root:
            whole = counts[0] + counts[2]
            return 100.0 * (counts[1] + counts[3]) / whole if whole else 100.0
        return 100.0 * float(root["line-rate"])
    except ValueError:
        raise _bad(where, "the <coverage> element has bad counts", "whole numbers") from None


def load_json(data: bytes, where: str, top: str, bases: Sequence[str]) -> Finish:
    """A JSON report (`coverage json`), checked; relative file names are taken from `bases`."""
    import json

    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise _bad(where, f"not JSON ({exc})", "a coverage.py JSON report") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    totals = doc.get("totals") if isinstance(doc, dict) else None
    total = totals.get("percent_covered") if isinstance(totals, dict) else None
    if not isinstance(files, dict) or not _is_number(total):
        raise _bad(
            where,
            "not a coverage.py JSON report (no files and totals.percent_covered)",
            "the report `coverage json` writes",
        )

    def finish(only: Collection[str] | None, _total: bool = True) -> Measured:
        paths = PathMap(top, bases)
        found: dict[str, FileCoverage] = {}
        for name, entry in files.items():
            path = paths(name)
            if only is not None and path not in only:
                continue
            try:
                found[path] = _json_file(entry)
            except (AttributeError, TypeError, ValueError):
                raise _bad(
                    where,
                    f"files[{name!r}] is not a file's report",
                    "executed_lines and missing_lines as lists of line numbers",
                ) from None
        return Measured(found, float(total), "JSON report")

    return finish


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_file(entry: dict) -> FileCoverage:
    executed = entry.get("executed_lines")
    missing = entry.get("missing_lines")
    if not isinstance(executed, list) or not isinstance(missing, list):
        raise TypeError
    if not all(isinstance(n, int) for n in executed + missing):
        raise TypeError
    partial = {int(pair[0]) for pair in entry.get("missing_branches") or ()}
    share = (entry.get("summary") or {}).get("percent_covered")
    return FileCoverage(
        executed + missing, missing, partial, float(share) if _is_number(share) else None
    )


def load_data(path: str, where: str, top: str) -> Finish:
    """coverage.py's data file, loaded by coverage itself, which then analyses the sources:
    every measured file when `only` is None; else just the files in `only` ({path relative to
    the top: line numbers}), and the total when asked for (which analyses every file, as
    `coverage report` does).

    coverage reads its configuration ([tool.coverage], .coveragerc) from the current folder,
    and resolves relative file names (relative_files = true) against it, as it does itself.
    """
    try:
        import coverage
        from coverage.exceptions import CoverageException, NoDataError
    except ImportError:
        raise report.UsageError(
            f"{where}: reading coverage data needs coverage.py, which is not installed; "
            f"install it with: {INSTALL}"
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

    def analyse(morfs: list[str] | None, total: bool) -> tuple[bytes | None, float | None]:
        """coverage's JSON report of `morfs` (None: every file), and its total if asked."""
        import io
        import tempfile

        figure = float(cov.report(file=io.StringIO())) if total and morfs is not None else None
        if morfs == []:
            return None, figure
        with tempfile.TemporaryDirectory(prefix="trunkgate-coverage-") as tmp:
            out = os.path.join(tmp, "coverage.json")
            try:
                cov.json_report(morfs=morfs, outfile=out)
            except NoDataError:
                if morfs is None:
                    raise
                return None, figure  # every one omitted by [report] omit
            with open(out, "rb") as fh:
                return fh.read(), figure

    def finish(only: Collection[str] | None, total: bool = True) -> Measured:
        morfs = None if only is None else sorted(n for n in names if paths(n) in only)
        try:
            blob, figure = analyse(morfs, total)
        except CoverageException as exc:
            raise report.UsageError(f"{where}: {exc}") from None
        if blob is None:
            return Measured({}, figure, "coverage data")
        measured = load_json(blob, where, top, [here])(only)
        measured.kind = "coverage data"
        if morfs is not None:
            measured.total = figure
        return measured

    return finish


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
            f".coverage: not found, but {len(parallel)} parallel data file"
            f"{'s' * (len(parallel) != 1)} (.coverage.*) are; run `coverage combine` first"
        )
    raise report.UsageError(
        f"no coverage data in {policy.root}: expected .coverage, coverage.xml or coverage.json; "
        "run the tests under coverage first (pytest --cov, or coverage run -m pytest), "
        "or pass --run-tests"
    )


def load(path: str, where: str, top: str) -> Finish:
    """Whatever `path` holds, loaded and checked: coverage data (SQLite), a Cobertura XML or a
    JSON report. The function it returns reads the files of the change from it: with `only`
    ({path relative to the top: line numbers}), just those files in detail (of an XML report,
    just those lines); `total` False lets the data file skip the analysis of every file that
    the total needs (reports hold the total anyway)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise report.UsageError(f"{where}: cannot read the file ({exc.strerror})") from None
    if data.startswith(SQLITE):
        return load_data(path, where, top)
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    folder = os.path.dirname(os.path.realpath(path))
    if head.startswith(b"<"):
        return load_xml(data, where, top, folder)
    if head.startswith(b"{"):
        return load_json(data, where, top, [folder, top])
    raise _bad(
        where,
        "not coverage data",
        "coverage.py's data file (SQLite), a Cobertura XML report or a JSON report",
    )


def read(
    path: str,
    where: str,
    top: str,
    only: Mapping[str, Collection[int]] | None = None,
    total: bool = True,
) -> Measured:
    """What `path` holds, for the files in `only` (see load)."""
    return load(path, where, top)(only, total)


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
    detail = tools.tail(proc.stdout) or tools.tail(proc.stderr) or "(no output)"
    return report.Finding(
        "tests-failed", f"the tests failed (`{command}` exited with 1):\n  {detail}"
    )


def _base(policy: config.Policy, opts: config.Options, ctx: Context) -> tuple[str, str]:
    """(commit, what it is) to measure the change from."""
    root = policy.root
    base = getattr(opts, "base", None)
    if base:
        return git.require_commit(base, "--base", cwd=root), str(base)
    if ctx.ci and ctx.pr_base_sha:
        what = "the pull request's base"
        return git.require_commit(ctx.pr_base_sha, what, cwd=root), what
    before, _ = ctx.push_range
    if before and not git.is_null(before):
        what = "the push's previous commit"
        return git.require_commit(before, what, cwd=root), what
    trunk = str(policy.trunk)
    ref = git.trunk_ref(trunk, cwd=root)
    if ref is None:
        raise report.UsageError(
            f"trunk: no branch {trunk!r} here (neither origin/{trunk} nor {trunk}) to measure "
            "the change from; pass --base REF"
        )
    name = ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")
    return git.require_commit(ref, "the trunk", cwd=root), name


def _merge_base(sha: str, what: str, root: str) -> str:
    found = git.merge_base(sha, "HEAD", cwd=root)
    if found is None:
        hint = f"; {git.SHALLOW_HINT}" if git.is_shallow(root) else ""
        raise report.UsageError(f"{what} ({sha[:10]}) and HEAD have no common ancestor{hint}")
    return found


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:SHOWN])
    return shown + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def gate(policy: config.Policy, opts: config.Options, ctx: Context) -> report.GateResult:
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
    where = tools.relative(path, root)
    if ran and os.stat(path).st_mtime_ns < started - SLACK_NS:
        raise report.UsageError(
            f"{where}: older than the test run, so test-command `{policy.test_command}` does "
            "not measure coverage; make it (pytest --cov, coverage run -m pytest), or point "
            "the policy key data at the file it writes"
        )
    diff_only = bool(getattr(opts, "diff_only", False))
    each_file = not diff_only and bool(policy.file_fail_under)
    total = not diff_only and bool(policy.fail_under)

    top = os.path.realpath(git.toplevel(cwd=root))
    sha, what = _base(policy, opts, ctx)
    start = _merge_base(sha, what, root)
    given = [os.path.abspath(f) for f in getattr(opts, "files", None) or ()]
    changed = git.changed_lines(start, paths=given or [os.path.realpath(root)], cwd=root)
    measured = read(path, where, top, None if each_file else changed, total)
    notes.append(f"read {where} ({measured.kind})")

    inside = os.path.relpath(os.path.realpath(root), top).replace(os.sep, "/") + "/"

    def shown(p: str) -> str:  # findings name files relative to the project root
        if inside == "./":
            return p
        if p.startswith(inside):
            return p[len(inside) :]
        return tools.relative(os.path.join(top, p), root)

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
    since = f"since {start[:10]}" + ("" if sha.startswith(what) else f" ({what})")
    if not changed:
        notes.append(f"diff coverage: nothing to measure, no lines changed {since}")
    else:
        scope = f"{_plural(len(changed), 'changed file')} {since}"
        if unmeasured:
            scope += f"; not measured: {_names([shown(p) for p in unmeasured])}"
        notes.append(f"{note}, in {scope}")
        share = diff_percent(files)[2]
        if share is not None:
            metrics["diff-coverage"] = round(share, 2)
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)


@report.entrypoint("trunkgate coverage")
def main(argv: Sequence[str] | None = None) -> int:
    opts, policy = config.parse_args(GATE, argv, ARGS, __doc__ or "", EXAMPLE)
    return report.emit(gate(policy, opts, Context()), opts.format)


if __name__ == "__main__":
    raise SystemExit(main())
