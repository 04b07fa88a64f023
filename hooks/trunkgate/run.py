"""Run every gate the policy enables, independent ones concurrently, and report them together.

The exit code is the worst of the gates' (0 passed, 1 failed, 2 a gate could not decide);
writing SARIF never turns a failure into a pass.
"""

from __future__ import annotations

import time

from trunkgate import config, report
from trunkgate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

EXAMPLE = "trunkgate run --skip audit --format sarif > trunkgate.sarif"
# name in the report -> (gate module, options that differ from the module's defaults)
GATES: dict[str, tuple[str, dict[str, object]]] = {
    "branch": ("branch", {}),
    "commits": ("commits", {}),
    "changelog": ("changelog", {}),
    "changelog-updated": ("changelog", {"check_updated": True}),
    "lint": ("lint", {}),
    "security": ("security", {}),
    "audit": ("audit", {}),
    "coverage": ("coverage", {}),
    "version": ("version", {}),
}
ARGS = (
    config.Arg("--base", "compare with this commit (changed files, diff coverage)", metavar="REF"),
    config.Arg("--all", "scan the whole tree, not only what changed", kind="flag"),
    config.Arg("--sarif", "also write the results as SARIF 2.1.0 to this file", metavar="PATH"),
)


def _options(module: object, extra: dict[str, object], shared: config.Options) -> config.Options:
    """A gate's options as if it had been run with no flags, plus run's shared ones."""
    values: dict[str, object] = {}
    for arg in (*module.ARGS, *config.COMMON):  # type: ignore[attr-defined]
        if arg.kind == "flag":
            values[arg.dest] = False
        elif arg.kind == "bool":
            values[arg.dest] = None
        else:
            values[arg.dest] = arg.default
    for dest in ("base", "all", "config"):
        if dest in values:
            values[dest] = getattr(shared, dest)
    values.update(extra)
    return config.Options(values, {})


def run_gates(names: Sequence[str], opts: config.Options, ctx: Context) -> list[report.GateResult]:
    """Run the named gates concurrently; results come back in the order asked for."""
    from concurrent.futures import ThreadPoolExecutor

    modules = {
        name: __import__(f"trunkgate.gates.{GATES[name][0]}", fromlist=["gate"]) for name in names
    }

    def one(name: str) -> report.GateResult:
        module = modules[name]
        started = time.perf_counter()
        try:
            table = config.TABLE_OF.get(module.GATE, module.GATE)
            shared = {k: v for k, v in opts.overrides.items() if k in config.SHARED}
            policy = config.resolve(table, shared, config=opts.config)
            result: report.GateResult = module.gate(
                policy, _options(module, GATES[name][1], opts), ctx
            )
            result.gate = name
        except report.UsageError as exc:
            result = report.GateResult.failed_to_run(name, str(exc))
        result.seconds = time.perf_counter() - started
        return result

    # Every gate at once: the slow ones (pip-audit, bandit, coverage) spend their time in a
    # tool's process or waiting on the network, so a thread each costs little and the run
    # takes about as long as its slowest gate.
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        return list(pool.map(one, names))


def selected(policy: config.Policy) -> list[str]:
    unknown = [g for g in [*policy.gates, *policy.skip] if g not in GATES]
    if unknown:
        raise report.UsageError(
            f"run gates (--gates, --skip): unknown gate {unknown[0]!r}; "
            f"expected some of {', '.join(GATES)}"
        )
    return [g for g in policy.gates if g not in policy.skip]


@report.entrypoint("trunkgate run")
def main(argv: Sequence[str] | None = None) -> int:
    opts, policy = config.parse_args("run", argv, ARGS, __doc__ or "", EXAMPLE)
    names = selected(policy)
    if not names:
        raise report.UsageError("no gates to run (every gate is skipped)")
    ctx = Context()
    _ = ctx.event  # read the payload once, before the gates' threads start (or fail here)
    results = run_gates(names, opts, ctx)
    return report.emit_run(results, opts.format, opts.sarif)


if __name__ == "__main__":
    raise SystemExit(main())
