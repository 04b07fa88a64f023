"""Reading what coverage.py measured, into one model: each file's statements, the lines never
run and those whose branches were not all taken (`FileCoverage`), every file of a source and
its total (`Measured`), by path relative to the repository's top level (`PathMap`).

`read` takes whatever a file holds: coverage's data file `.coverage` (SQLite, loaded through
coverage's own API, which analyses the sources), a Cobertura XML report (`coverage xml`;
a DOCTYPE is refused, and with few files wanted only their classes are parsed) or a JSON
report (`coverage json`; its totals and counts checked). Bad input is a one-line
`report.UsageError` that says where, what is wrong, what was expected and what was found.

Over 400 lines: the three readers share the model, the path mapping, the error messages and
the checks of figures (the data file is read through the JSON report coverage writes of it),
so they stay together; splitting them would only spread the helpers over several modules.
The coverage gate (`trunkgate.gates.coverage`) imports this module, never the reverse; coverage
and the XML parsers are imported only when a source needs them.
"""

from __future__ import annotations

import io
import math
import os
import re

from trunkgate import registry, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from typing import Any
    from xml.etree import ElementTree  # nosec B405  # for types only, never run

    import coverage as coverage_api

SQLITE = b"SQLite format 3\x00"  # how coverage's data file (an SQLite database) starts


# --------------------------------------------------------------------------- the data


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

    __slots__ = ("files", "kind", "names", "total")

    def __init__(
        self,
        files: dict[str, FileCoverage],
        total: float | None,
        kind: str,
        names: Iterable[str] = (),
    ) -> None:
        self.files = files
        self.total = total
        self.kind = kind  # "coverage data", "Cobertura XML report", "JSON report"
        # Every file the source measured (`files` may hold only those asked for).
        self.names = set(names) | set(files)


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


def bad_input(where: str, what: str, expected: str, got: str | None = None) -> report.UsageError:
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


COBERTURA = "Cobertura report"


def _refused(where: str, kind: str = COBERTURA) -> report.UsageError:
    return bad_input(where, "declares a DOCTYPE or entities", f"a plain {kind}")


def _not_xml(where: str, exc: Exception, kind: str = COBERTURA) -> report.UsageError:
    return bad_input(where, f"not well-formed XML ({exc})", f"a {kind}")


def parse_xml(data: bytes, where: str, kind: str = COBERTURA) -> ElementTree.Element:
    """The root element of a report, parsed by ElementTree. A DOCTYPE is refused, and with
    it any entity declaration (they live in one): no entity is expanded and no external DTD
    or entity is loaded, which is what defusedxml would guard against. `kind` names the
    report in the errors (the JUnit reader, `trunkgate.junit`, parses with this too)."""
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
        raise _refused(where, kind) from None
    except ET.ParseError as exc:
        raise _not_xml(where, exc, kind) from None


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
    root = parse_xml(data if spans is None else _skeleton(data, spans), where)
    if root.tag != "coverage":
        raise bad_input(
            where,
            f"the root element is <{root.tag}>, not a Cobertura report",
            "<coverage> as coverage.py's `coverage xml` writes",
        )
    if not root.get("line-rate"):
        raise bad_input(
            where,
            "the <coverage> element has no line-rate",
            "a Cobertura report as coverage.py's `coverage xml` writes",
        )
    sources = ["".join(s.itertext()).strip() for s in root.iterfind("sources/source")]
    paths = PathMap(top, [os.path.join(folder, s) for s in sources if s] or [folder])
    elements = list(root.iter("class"))
    picked: list[tuple[int, str]] = []  # (the class's place among the classes, its path)
    names: set[str] = set()
    for i, element in enumerate(elements):
        filename = element.get("filename")
        path = paths(filename) if filename else None
        if path is not None:
            names.add(path)
        if path is not None and (only is None or path in only):
            picked.append((i, path))
    if spans is not None:  # the skeleton's classes are empty: parse the wanted ones whole
        wanted = b"".join(data[spans[i][0] : spans[i][2]] for i, _ in picked)
        found = _DECLARATION.match(data)
        head = found.group() if found else b""  # the encoding, when it is not UTF-8
        elements = list(parse_xml(head + b"<x>" + wanted + b"</x>", where))
        picked = [(n, path) for n, (_, path) in enumerate(picked)]
    classes: dict[str, list[dict[str, str]]] = {}
    for i, path in picked:
        classes.setdefault(path, []).extend(line.attrib for line in elements[i].iter("line"))
    files = {
        path: _xml_file(lines, None if only is None else only[path], where, path)
        for path, lines in classes.items()
    }
    return Measured(files, _xml_total(root.attrib, where), "Cobertura XML report", names)


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
    """Check that a report is well-formed XML without a DOCTYPE, as parse_xml does but with
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
            raise bad_input(
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
                raise bad_input(
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
        raise bad_input(
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
            raise bad_input(
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
            raise bad_input(
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
        raise bad_input(
            where, "nested too deeply to read", "a coverage.py JSON report (a few levels deep)"
        ) from None
    except ValueError as exc:
        raise bad_input(where, f"not JSON ({exc})", "a coverage.py JSON report") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    totals = doc.get("totals") if isinstance(doc, dict) else None
    total = totals.get("percent_covered") if isinstance(totals, dict) else None
    if not isinstance(files, dict) or not isinstance(totals, dict) or not _is_number(total):
        raise bad_input(
            where,
            "not a coverage.py JSON report (no files and totals.percent_covered)",
            "the report `coverage json` writes",
        )
    _json_summary(totals, where, "totals")
    total = totals["percent_covered"]
    paths = PathMap(top, bases)
    found: dict[str, FileCoverage] = {}
    names = set()
    for name, entry in files.items():
        path = paths(name)
        names.add(path)
        if only is None or path in only:
            found[path] = _json_file(entry, where, name)
    return Measured(found, float(total), "JSON report", names)


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
        raise bad_input(
            where,
            f"{label}.percent_covered is not a percentage",
            "a number from 0 to 100",
            _shown(share),
        )
    for key in JSON_COUNTS:
        value = summary.get(key)
        if value is not None and not _is_count(value):
            raise bad_input(where, f"{label}.{key} is not a count", "a whole number", _shown(value))
    for covered, valid in (
        ("covered_lines", "num_statements"),
        ("covered_branches", "num_branches"),
    ):
        most = summary.get(valid)
        if most is not None and summary.get(covered, 0) > most:
            raise bad_input(
                where,
                f"{label}.{covered} is above {label}.{valid}",
                f"at most {most}",
                _shown(summary[covered]),
            )


def _json_file(entry: object, where: str, name: str) -> FileCoverage:
    """One file's entry in a JSON report, checked: its lines are whole numbers, and so are
    the lines its missing branches start from; its summary's figures are sane."""

    def bad(expected: str, got: str) -> report.UsageError:
        return bad_input(where, f"files[{name!r}] is not a file's report", expected, got)

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
        raise bad_input(where, "holds no measured files", "the data of a run under coverage")
    morfs = None if only is None else sorted(n for n in names if paths(n) in only)
    try:
        figure = float(cov.report(file=io.StringIO())) if total and morfs is not None else None
        blob = _json_report(cov, morfs)
    except CoverageException as exc:
        stale = "; the data is stale: re-run the tests under coverage" if _no_source(exc) else ""
        raise report.UsageError(f"{where}: {exc}{stale}") from None
    if blob is None:
        return Measured({}, figure, "coverage data", map(paths, names))
    measured = read_json(blob, where, top, [here], only)
    measured.kind = "coverage data"
    measured.names |= set(map(paths, names))
    if morfs is not None:
        measured.total = figure
    return measured


def _no_source(exc: Exception) -> bool:
    """coverage's error for a measured file that is gone (`No source for code: ...`)."""
    return type(exc).__name__ == "NoSource" or str(exc).startswith("No source for code")


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
    raise bad_input(
        where,
        "not coverage data",
        "coverage.py's data file (SQLite), a Cobertura XML report or a JSON report",
    )
