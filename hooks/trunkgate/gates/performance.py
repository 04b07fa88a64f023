"""Benchmarks of the head against the base's: fail on what got slower, beyond the noise.

`trunkgate performance --baseline BASE.json [HEAD.json]` reads pytest-benchmark's JSON
(`pytest --benchmark-only --benchmark-json FILE`) or asv's results files, for the base and
for the head; without HEAD.json it runs the benchmarks first (policy key `command`, to which
trunkgate adds `--benchmark-json`). Run both on the same machine, in the same job: times from
two machines do not compare.

A benchmark is slower when its median grew by more than `threshold` percent (default 10)
AND the head's interquartile range lies wholly above the base's; faster the other way round.
A median that moved within the runs' spread (the ranges overlap) is noise and never fails a
change. Slower benchmarks are errors, faster ones notes; the notes count what was unchanged,
within the noise, new in the head, or not run.
"""

from __future__ import annotations

import os

from trunkgate import benchmarks, flags, report, tools

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.change import Change
    from trunkgate.policies import PerformancePolicy

GATE = "performance"
EXAMPLE = (
    "trunkgate performance --baseline base.json head.json\n"
    "  trunkgate performance --baseline base.json --threshold 5\n"
    "  trunkgate performance --baseline base.json --format github"
)
ARGS = (
    flags.Arg(
        "head",
        "the head's results (default: run the benchmarks with the policy's command)",
        kind="pos?",
        metavar="HEAD.json",
    ),
)
FIX = (
    "Profile the benchmarks reported slower (`pytest --benchmark-only -k NAME "
    "--benchmark-cprofile=cumtime`) and compare with the base. A slowdown that is the price "
    "of a feature can be accepted by raising the threshold for this change, or by "
    "refreshing the baseline once the change is merged."
)
NO_BASELINE = (
    "no baseline: pass --baseline BASE.json (or set the policy key baseline), the base's "
    "results, e.g. from `pytest --benchmark-only --benchmark-json BASE.json` at the base commit"
)
NOT_INSTALLED = "pytest-benchmark is not installed where `{command}` runs; install it with: {hint}"


def _install_hint() -> str:
    from trunkgate import registry

    return f"pip install pytest-benchmark, or {registry.tool_of(GATE).install}"


def run_benchmarks(policy: PerformancePolicy, tmp: str) -> tuple[str, str, list[str]]:
    """Run the policy's command; (the results file, how to name it, findings' notes)."""
    command = str(policy.command)
    argv = tools.command(command, "command", _install_hint(), path_first=True)
    notes = [f"ran the benchmarks: `{command}`"]
    if str(policy.results):
        path, shown = policy.path(str(policy.results)), str(policy.results)
    elif tools.is_pytest(argv):
        path, shown = os.path.join(tmp, "head.json"), "the benchmarks' JSON of this run"
        argv.append(f"--benchmark-json={path}")
    else:
        raise report.UsageError(
            f"results: empty, but `{command}` is not pytest, expected the policy key results "
            "to name the file the command writes"
        )
    proc = tools.run(argv, cwd=policy.root, ok=range(256))
    if proc.returncode == 4 and "--benchmark" in proc.stderr and "unrecognized" in proc.stderr:
        raise report.UsageError(NOT_INSTALLED.format(command=command, hint=_install_hint()))
    if proc.returncode not in (0, 1):
        raise tools.failure(argv, proc, f"failed (exit status {proc.returncode})")
    if proc.returncode == 1:
        notes.append("some benchmarks failed as tests; only those that ran are compared")
    if not os.path.isfile(path):
        raise report.UsageError(
            f"{shown}: not written by `{command}`, expected the benchmarks' results"
        )
    return path, shown, notes


def findings_of(moved: list[benchmarks.Moved]) -> list[report.Finding]:
    """An error per benchmark that got slower (the worst first), a note per faster one."""
    slower = sorted((m for m in moved if m.verdict == benchmarks.SLOWER), key=lambda m: -m.percent)
    faster = sorted((m for m in moved if m.verdict == benchmarks.FASTER), key=lambda m: m.percent)
    found = []
    for m, rule, severity in [
        *((m, "slower", report.ERROR) for m in slower),
        *((m, "faster", report.NOTE) for m in faster),
    ]:
        found.append(
            report.Finding(
                rule,
                f"{m.name}: {benchmarks.describe(m)}",
                file=benchmarks.file_of(m.name),
                severity=severity,
            )
        )
    return found


def gate(policy: PerformancePolicy, opts: flags.Options, change: Change) -> report.GateResult:
    import tempfile

    baseline = str(policy.baseline)
    if not baseline:
        raise report.UsageError(NO_BASELINE)
    threshold = float(policy.threshold)
    base = benchmarks.read(policy.path(baseline), baseline)
    notes: list[str] = []
    given: str | None = opts.head
    if given:
        head = benchmarks.read(os.path.abspath(given), given)
    else:
        with tempfile.TemporaryDirectory(prefix="trunkgate-performance-") as tmp:
            path, shown, notes = run_benchmarks(policy, tmp)
            head = benchmarks.read(path, shown)
    moved = benchmarks.compare(base, head, threshold)
    count = benchmarks.counts(moved)
    summary = (
        f"compared {report.plural(len(moved), 'benchmark')}: {count['slower']} slower, "
        f"{count['faster']} faster, {count['same']} unchanged, {count['noise']} moved within "
        f"the noise (threshold {threshold:g}%, and interquartile ranges apart)"
    )
    notes.append(summary)
    new = [name for name in head if name not in base]
    gone = [name for name in base if name not in head]
    if new:
        notes.append(f"new in the head, not compared: {benchmarks.names(new)}")
    if gone:
        notes.append(f"in the baseline but not run: {benchmarks.names(gone)}")
    if not moved:
        notes.append("no benchmark is in both runs: nothing was compared")
    metrics: dict[str, object] = {
        "compared": len(moved),
        "slower": count["slower"],
        "faster": count["faster"],
    }
    return report.GateResult(GATE, findings_of(moved), notes=notes, fix=FIX, metrics=metrics)
