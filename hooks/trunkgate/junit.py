"""Reading a JUnit XML report (pytest's `--junitxml`): every test case, and which failed.

The report is parsed by the coverage readers' hardened ElementTree parser
(`coverage_data.parse_xml`: a DOCTYPE, and with it any entity, is refused). A test case that
holds a `<failure>` or an `<error>` failed; `<skipped>` ones did not. Its file and line come
from the `file` and `line` attributes that pytest writes with `junit_family=xunit1` (0-based
there: the test's first line, its `def` or its first decorator, less one); without them
(xunit2, or another producer) the file is found from the `classname` when it names a module
of the project.
Bad input (not XML, not a JUnit report, a bad line number) is a one-line `UsageError`.
"""

from __future__ import annotations

import os

from trunkgate.coverage_data import bad_input, parse_xml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from xml.etree import ElementTree  # nosec B405  # for types only, never run

KIND = "JUnit XML report"
MESSAGE_CHARS = 300  # of a failure's message, in a finding


class Failed:
    """One test case that failed (`failure`) or could not run (`error`: a fixture, the
    collection of its module)."""

    __slots__ = ("file", "kind", "line", "message", "name")

    def __init__(
        self, name: str, kind: str, message: str, file: str | None, line: int | None
    ) -> None:
        self.name = name  # tests/test_x.py::TestK::test_m, as pytest names it
        self.kind = kind
        self.message = message
        self.file = file  # relative to the folder the tests ran in
        self.line = line  # 1-based


class Report:
    """What a JUnit report says: how many tests ran, were skipped, and which failed."""

    __slots__ = ("failed", "skipped", "tests")

    def __init__(self, tests: int, skipped: int, failed: list[Failed]) -> None:
        self.tests = tests
        self.skipped = skipped
        self.failed = failed


def _one_line(text: str) -> str:
    """A failure's message as a finding shows it: its first line (pytest's assertion
    explanation and diff follow on the next ones), whitespace folded, bounded."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    line = " ".join(first.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "..."


def _file_of(classname: str, root: str) -> str | None:
    """The module a `classname` (tests.test_x.TestK) names, when it is a file under root."""
    parts = [p for p in classname.split(".") if p]
    while parts:
        candidate = "/".join(parts) + ".py"
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
        parts.pop()
    return None


def _line(case: dict[str, str], where: str, name: str) -> int | None:
    text = case.get("line")
    if text is None or text == "":
        return None
    if not (text.isdigit() and len(text) <= 9):
        raise bad_input(where, f"test {name}: a bad line", "a line number", f'line="{text[:20]}"')
    return int(text) + 1  # pytest writes the 0-based line of the def


def _name(attrs: dict[str, str], file: str | None) -> str:
    """pytest's node id where it can be rebuilt (file::Class::test), else classname.name."""
    classname, name = attrs.get("classname", ""), attrs.get("name", "")
    if file and classname:
        module = file.removesuffix(".py").replace("/", ".")
        if classname == module or classname.startswith(module + "."):
            inner = classname[len(module) :].lstrip(".")
            return "::".join(p for p in (file, *inner.split("."), name) if p)
    if not classname:  # a module that failed to collect: pytest names the module
        return file or name
    return f"{classname}.{name}" if name else classname


def parse(data: bytes, where: str, root: str) -> Report:
    """A JUnit XML report, read and checked; `root` is the folder the tests ran in."""
    top = parse_xml(data, where, KIND)
    if top.tag not in ("testsuites", "testsuite"):
        raise bad_input(
            where,
            f"the root element is <{top.tag}>, not a JUnit report",
            "<testsuites> or <testsuite> as pytest --junitxml writes",
        )
    cases: list[ElementTree.Element] = list(top.iter("testcase"))
    failed: list[Failed] = []
    skipped = 0
    for case in cases:
        attrs = dict(case.attrib)
        outcome = next((c for c in case if c.tag in ("failure", "error")), None)
        if outcome is None:
            skipped += any(c.tag == "skipped" for c in case)
            continue
        file = attrs.get("file") or _file_of(attrs.get("classname", ""), root)
        if file is not None:
            file = file.replace(os.sep, "/")
        name = _name(attrs, file)
        line = _line(attrs, where, name)
        message = outcome.get("message") or "".join(outcome.itertext()).strip()
        if not message:
            message = outcome.get("type") or outcome.tag
        failed.append(Failed(name, outcome.tag, _one_line(message), file, line))
    return Report(len(cases), skipped, failed)
