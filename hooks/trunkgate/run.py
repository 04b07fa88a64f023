"""Run every gate the policy enables, independent ones concurrently, and report them together.

The exit code is the worst of the gates' (0 passed, 1 failed, 2 a gate could not decide);
writing SARIF never turns a failure into a pass.

A gate module may have a `warm()` function: it imports the gate's tool ahead (pip-audit's,
most of an audit's time). `run` starts each one in a thread of its own as soon as it knows
which gates run, before it works out the change, so the import overlaps everything else.
"""

from __future__ import annotations

import time

from trunkgate import config, flags, registry, render, report, schema
from trunkgate.change import Change
from trunkgate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.policies import RunPolicy

EXAMPLE = "trunkgate run --skip audit --format sarif > trunkgate.sarif"
ARGS = (
    flags.Arg("--base", "compare with this commit (changed files, diff coverage)", metavar="REF"),
    flags.Arg("--all", "scan the whole tree, not only what changed", kind="flag"),
    flags.Arg("--sarif", "also write the results as SARIF 2.1.0 to this file", metavar="PATH"),
)


def defaults(
    module: registry.GateModule, fixed: dict[str, object], opts: flags.Options
) -> flags.Options:
    """A gate's options as if it had been run with no flags but run's --config, plus the
    gate's fixed ones (the changelog-updated gate's --check-updated)."""
    values = flags.defaults([*module.ARGS, *flags.COMMON])
    config_path: str | None = opts.config
    values.update(config=config_path, **fixed)  # --base and --all are the change's
    return flags.Options(values, {})


def warm_up(names: Sequence[str]) -> None:
    """Start the `warm()` of each named gate that has one, each in a daemon thread (the
    gate itself waits for the import it needs, through Python's import lock)."""
    import threading

    for name in dict.fromkeys(names):
        warm = getattr(registry.gate(name).load(), "warm", None)
        if callable(warm):
            threading.Thread(target=warm, name=f"warm-{name}", daemon=True).start()


def run_gates(names: Sequence[str], opts: flags.Options, change: Change) -> list[report.GateResult]:
    """Run the named gates concurrently; results come back in the order asked for."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    gates = [registry.gate(name) for name in names]
    modules = {gate.name: gate.load() for gate in gates}
    shared = {k: v for k, v in opts.overrides.items() if k in schema.SHARED}
    config_path: str | None = opts.config

    # A gate that reads another's output (coverage, the tests gate's data) waits for it.
    done = {gate.name: threading.Event() for gate in gates}

    def one(gate: registry.Gate) -> report.GateResult:
        try:
            for name in gate.after:
                if name in done:
                    done[name].wait()
            return timed(gate)
        finally:
            done[gate.name].set()

    def timed(gate: registry.Gate) -> report.GateResult:
        module = modules[gate.name]
        started = time.perf_counter()
        try:
            policy = config.resolve(gate.table, shared, config=config_path)
            result = module.gate(policy, defaults(module, gate.options, opts), change)
            result.gate = gate.name
        except report.UsageError as exc:
            result = report.GateResult.failed_to_run(gate.name, str(exc))
        result.seconds = time.perf_counter() - started
        return result

    # Every gate at once (those that wait, in their own thread): the slow ones (pip-audit,
    # bandit, coverage) spend their time in a tool's process or waiting on the network, so a
    # thread each costs little and the run takes about as long as its slowest gate.
    with ThreadPoolExecutor(max_workers=max(1, len(gates))) as pool:
        return list(pool.map(one, gates))


def selected(policy: RunPolicy) -> list[str]:
    gates: list[str] = policy.gates
    skip: list[str] = policy.skip
    unknown = [g for g in [*gates, *skip] if g not in registry.RUN_GATES]
    if unknown:
        raise report.UsageError(
            f"run gates (--gates, --skip): unknown gate {unknown[0]!r}; "
            f"expected some of {', '.join(registry.RUN_GATES)}"
        )
    return [g for g in gates if g not in skip]


def main(argv: Sequence[str] | None = None) -> int:
    opts, policy = flags.parse_args(
        "trunkgate run", "run", argv, ARGS, __doc__ or "", EXAMPLE, run=True
    )
    names = selected(policy)
    if not names:
        raise report.UsageError("no gates to run (every gate is skipped)")
    warm_up(names)
    ctx = Context()
    ctx.prefetch()  # the payload and the live pull request, before the gates' threads
    change = Change.of(ctx, policy, opts).shared()
    results = run_gates(names, opts, change)
    fmt: str = opts.format
    sarif: str | None = opts.sarif
    where = render.Where(change, policy.source)
    return render.emit(results, fmt, run=True, sarif=sarif, where=where)
