"""Run the project's own test command once, and report each failing test where it is.

The command (policy key `command`, default `pytest`) runs in the project root, with the
project's own pytest configuration. With pytest, trunkgate adds `--junitxml` (to a
temporary file, unless the command names its own) and `-o junit_family=xunit1`, so that the
report says each test's file and line; each failing test is then an error at its first
line (its `def`, or its first decorator), which the github format annotates. Another
command (`tox`, `make test`) is judged by its exit status, and by the JUnit report it writes
when `junit-xml` names it.

The same run measures coverage for the coverage gate (key `coverage`): `always` runs pytest
as `coverage run -m pytest` (the project's [tool.coverage] settings apply; parallel data
files are combined), `never` runs the command as it is, and `auto` (the default) measures
when `trunkgate run`'s gates include coverage. A command that measures by itself
(`pytest --cov`, `coverage run ...`) is left as it is. In `trunkgate run` the coverage gate
waits for this one and reads the data it wrote.

pytest's exit statuses: 0 passed; 1 tests failed and 2 interrupted (a module that does not
import) are findings; 5 (no tests collected) is a finding; 3 and 4 (pytest's internal and
usage errors) mean the gate could not decide, exit 2.
"""

from __future__ import annotations

import os

from trunkgate import config, files, flags, junit, report, tools

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

    from trunkgate.change import Change
    from trunkgate.policies import TestsPolicy

GATE = "tests"
EXAMPLE = (
    "trunkgate tests\n"
    "  trunkgate tests --command 'pytest -q -x' --coverage always\n"
    "  trunkgate tests --command 'tox -e py312' --junit-xml .tox/junit.xml"
)
ARGS: tuple[flags.Arg, ...] = ()
PYTEST_OK = (0, 1, 2, 5)  # passed, failed, interrupted (a collection error), none collected
NO_TESTS = 5
INSTALL = "pip install pytest (in the project's environment)"
COVERAGE_INSTALL = "pip install coverage (in the project's environment)"
FIX = (
    "Run the failing tests locally (`pytest path::test -x` shows the first failure in full), "
    "then fix the code or the test. A test that is expected to fail for now can be marked "
    "`@pytest.mark.xfail(reason=...)`."
)
SLACK_NS = 2_000_000_000  # file systems that keep times in whole (or two) seconds


def measures_itself(argv: list[str]) -> bool:
    """A command that measures coverage already: `coverage run ...` or pytest-cov's --cov."""
    name = os.path.basename(argv[0]).removesuffix(".exe")
    if name == "coverage" or (len(argv) > 2 and argv[1:3] == ["-m", "coverage"]):
        return True
    return any(a == "--cov" or a.startswith("--cov=") for a in argv[1:])


def junit_of(argv: list[str]) -> str | None:
    """The JUnit report a pytest command names itself (--junitxml PATH or --junitxml=PATH)."""
    for i, arg in enumerate(argv):
        for flag in ("--junitxml", "--junit-xml"):
            if arg.startswith(flag + "="):
                return arg.partition("=")[2]
            if arg == flag and i + 1 < len(argv):
                return argv[i + 1]
    return None


def wants_coverage(policy: TestsPolicy, config_path: str | None) -> bool:
    """`always`, `never`, or for `auto` whether `trunkgate run`'s gates include coverage."""
    mode = str(policy.coverage)
    if mode != "auto":
        return mode == "always"
    run = config.resolve("run", config=config_path, start=policy.root)
    return "coverage" in run.gates and "coverage" not in run.skip


def under_coverage(argv: list[str]) -> list[str]:
    """A pytest command as `coverage run -m pytest ...`, with the coverage of pytest's own
    environment (beside it, else on PATH); `python -m pytest` keeps its Python."""
    if tools.is_pytest(argv[:1]):  # pytest, the program
        exe = "coverage.exe" if os.name == "nt" else "coverage"
        beside = os.path.join(os.path.dirname(argv[0]), exe)
        coverage = (
            beside
            if os.path.isfile(beside)
            else tools.find("coverage", COVERAGE_INSTALL, path_first=True)
        )
        return [coverage, "run", "-m", "pytest", *argv[1:]]
    at = argv.index("-m")  # python [options] -m pytest ...
    return [*argv[:at], "-m", "coverage", "run", *argv[at:]]


def _combine(argv: list[str], root: str, started: int) -> bool:
    """`coverage combine` when the run wrote parallel data files (coverage's `parallel`)."""
    fresh = []
    for name in os.listdir(root):
        if name.startswith(".coverage.") and not name.endswith(".lock"):
            try:
                if os.stat(os.path.join(root, name)).st_mtime_ns >= started - SLACK_NS:
                    fresh.append(name)
            except OSError:
                continue
    if not fresh:
        return False
    program = argv[: argv.index("run")]  # `coverage`, or `python -m coverage`
    tools.run([*program, "combine", "--quiet"], cwd=root)
    return True


def _read_report(path: str, shown: str, root: str, started: int) -> junit.Report | None:
    """The JUnit report the run wrote; None when there is none, or only an older one."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    if stamp < started - SLACK_NS:
        return None
    return junit.parse(files.read_bytes(path, shown), shown, root)


def findings_of(failed: list[junit.Failed]) -> list[report.Finding]:
    """One error per failing test, at its first line (paths as the project root sees them)."""
    found = []
    for test in failed:
        rule = "test-failed" if test.kind == "failure" else "test-error"
        found.append(
            report.Finding(rule, f"{test.name}: {test.message}", file=test.file, line=test.line)
        )
    return found


def _summary(proc: subprocess.CompletedProcess[str]) -> str:
    return "\n  ".join(tools.tail(proc.stdout) or tools.tail(proc.stderr) or ["(no output)"])


def gate(policy: TestsPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    import tempfile
    import time

    root = policy.root
    command = str(policy.command)
    argv = tools.command(command, "command", INSTALL, path_first=True)
    pytest = tools.is_pytest(argv)
    measure = wants_coverage(policy, opts.config) and not measures_itself(argv)
    notes: list[str] = []
    if measure and not pytest:
        if str(policy.coverage) == "always":
            raise report.UsageError(
                f"coverage: cannot run `{command}` under coverage (only a pytest command), "
                "expected a command that measures itself (`coverage run -m ...`), or "
                "coverage = never"
            )
        measure = False
        notes.append(f"coverage not measured by this run: `{command}` is not pytest")
    given = str(policy.junit_xml) or (junit_of(argv) if pytest else None)
    with tempfile.TemporaryDirectory(prefix="trunkgate-tests-") as tmp:
        if given:
            path, shown = policy.path(given), given
        elif pytest:
            path, shown = os.path.join(tmp, "junit.xml"), "the JUnit XML report of the run"
            argv += [f"--junitxml={path}", "-o", "junit_family=xunit1"]
        else:
            path = shown = ""
        if measure:
            argv = under_coverage(argv)
        started = time.time_ns()
        proc = tools.run(argv, cwd=root, ok=PYTEST_OK if pytest else range(256))
        if measure and _combine(argv, root, started):
            notes.append("combined coverage's parallel data files")
        parsed = _read_report(path, shown, root, started) if path else None
    ran = f"ran `{command}`" + (" under coverage" if measure else "")
    if path and parsed is None and (given or proc.returncode != 0):
        raise report.UsageError(
            f"{shown}: not written by `{command}` (exit status {proc.returncode}), expected "
            "the JUnit XML report of this run; check the command and the policy key junit-xml"
        )
    findings = findings_of(parsed.failed) if parsed else []
    metrics: dict[str, object] = {}
    if parsed is not None:
        failed = len(parsed.failed)
        metrics = {"tests": parsed.tests, "failed": failed, "skipped": parsed.skipped}
        counts = [report.plural(parsed.tests, "test"), f"{failed} failed"]
        if parsed.skipped:
            counts.append(f"{parsed.skipped} skipped")
        notes.insert(0, f"{ran}: {', '.join(counts)}")
    else:
        notes.insert(0, ran)
    if pytest and proc.returncode == NO_TESTS:
        findings.append(
            report.Finding("no-tests", f"`{command}` collected no tests (pytest exit status 5)")
        )
    elif proc.returncode != 0 and not findings:
        findings.append(
            report.Finding(
                "tests-failed",
                f"the tests failed (`{command}` exited with {proc.returncode}):\n  "
                + _summary(proc),
            )
        )
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
