"""The gate registry: every command of `trunkgate` declared once.

A gate is a module under `trunkgate.gates` that follows `GateModule`: a docstring (its
`--help`), `ARGS` (its own flags; the policy keys of its table become flags by
themselves), `EXAMPLE`, and `gate(policy, opts, change) -> GateResult`. Everything else
about it is declared here, in `GATES`: its name, its policy table, the hooks that run it
and at which stages, the tool it needs, its action, whether it is on the hook path and
whether `trunkgate run` runs it (and after which gates). The command line, `run`, `init`,
the renderers and the manifest, README and actions tests all read this one declaration.

Declarations are plain objects (no dataclasses, no typing at run time): the hook path
imports this module, and pays for nothing else.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Protocol

    from trunkgate.change import Change
    from trunkgate.config import Policy
    from trunkgate.flags import Arg, Options
    from trunkgate.report import GateResult

    class GateModule(Protocol):
        """What a module under trunkgate.gates provides."""

        __doc__: str | None
        ARGS: Sequence[Arg]
        EXAMPLE: str

        def gate(self, policy: Policy, opts: Options, change: Change) -> GateResult: ...


class Hook:
    """A pre-commit hook of the manifest that runs a gate."""

    __slots__ = ("args", "files", "id", "stages")

    def __init__(
        self, id: str, stages: Sequence[str], args: Sequence[str] = (), *, files: bool = False
    ) -> None:
        self.id = id
        self.stages = tuple(stages)
        self.args = tuple(args)  # fixed arguments after `trunkgate <command>`
        self.files = files  # pre-commit gives it the change's files (not a message file)


class Tool:
    """The tool a gate runs, and where its users read about it."""

    __slots__ = ("extra", "name", "url")

    def __init__(self, name: str, url: str, extra: str) -> None:
        self.name = name
        self.url = url
        self.extra = extra  # pip install 'trunkgate[<extra>]' brings it

    @property
    def install(self) -> str:
        return f"pip install 'trunkgate[{self.extra}]'"


class Gate:
    """One gate: a verdict on the change, from one module."""

    __slots__ = (
        "action",
        "after",
        "command",
        "hook_path",
        "hooks",
        "in_run",
        "module",
        "name",
        "options",
        "security",
        "summary",
        "table",
        "tool",
    )

    def __init__(
        self,
        name: str,
        module: str,
        summary: str,
        *,
        table: str | None = None,
        command: str | None = "",
        hooks: Sequence[Hook] = (),
        tool: Tool | None = None,
        action: str | None = None,
        hook_path: bool = False,
        in_run: bool = True,
        options: Mapping[str, object] | None = None,
        after: Sequence[str] = (),
        security: bool = False,
    ) -> None:
        self.name = name  # its name in `trunkgate run` and in reports
        self.module = module  # under trunkgate.gates
        self.summary = summary
        self.table = table or name  # its policy table, [tool.trunkgate.<table>]
        self.command = name if command == "" else command  # `trunkgate <command>`, or None
        self.hooks = tuple(hooks)
        self.tool = tool
        self.action = action  # its folder under actions/
        self.hook_path = hook_path  # runs on every commit: standard library only, kept small
        self.in_run = in_run
        self.options = dict(options or {})  # fixed options when `run` runs it
        self.after = tuple(after)  # gates whose output it reads: `run` waits for them
        self.security = security  # its findings are vulnerabilities: SARIF security-severity

    def load(self) -> GateModule:
        """The gate's module (imported now, and only this one)."""
        # __import__, not importlib: importing importlib costs the hook path warnings too.
        module: GateModule = __import__(f"trunkgate.gates.{self.module}", fromlist=["gate"])
        return module


class Command:
    """A command that is not a gate (`release`, `run`, `init`): a module with `main(argv)`."""

    __slots__ = ("module", "name", "summary")

    def __init__(self, name: str, module: str, summary: str) -> None:
        self.name = name
        self.module = module  # under trunkgate
        self.summary = summary


GATES: tuple[Gate, ...] = (
    Gate(
        "branch",
        "branch",
        "branch naming, trunk protection, short-lived branches",
        hooks=[Hook("trunkgate-branch", ["pre-commit", "pre-push"])],
        action="branch-name",
        hook_path=True,
    ),
    Gate(
        "commit-msg",
        "commit_msg",
        "one commit message file (Conventional Commits)",
        table="commits",
        hooks=[Hook("trunkgate-commit-msg", ["commit-msg"])],
        hook_path=True,
        in_run=False,
    ),
    Gate(
        "commits",
        "commits",
        "every commit of a range, a pull-request title",
        hooks=[Hook("trunkgate-commits", ["pre-push"])],
        action="commits",
    ),
    Gate(
        "changelog",
        "changelog",
        "a Keep a Changelog file, and that it is updated",
        hooks=[Hook("trunkgate-changelog", ["pre-commit", "manual"])],
        action="changelog",
        hook_path=True,
    ),
    Gate(
        "changelog-updated",
        "changelog",
        "a change to the code adds a changelog entry",
        table="changelog",
        command=None,
        hooks=[Hook("trunkgate-changelog-updated", ["pre-push"], ["--check-updated"])],
        options={"check_updated": True},
    ),
    Gate(
        "lint",
        "lint",
        "ruff check and ruff format --check",
        hooks=[Hook("trunkgate-lint", ["pre-commit", "manual"], files=True)],
        tool=Tool("ruff", "https://docs.astral.sh/ruff/", "lint"),
        action="lint",
    ),
    Gate(
        "security",
        "security",
        "bandit, with severity thresholds and a baseline",
        hooks=[Hook("trunkgate-security", ["pre-commit", "manual"], files=True)],
        tool=Tool("bandit", "https://bandit.readthedocs.io/", "security"),
        action="security",
        security=True,
    ),
    Gate(
        "audit",
        "audit",
        "pip-audit: known vulnerabilities in the dependencies",
        hooks=[Hook("trunkgate-audit", ["pre-push", "manual"])],
        tool=Tool("pip-audit", "https://github.com/pypa/pip-audit", "audit"),
        action="audit",
        security=True,
    ),
    Gate(
        "tests",
        "tests",
        "the project's test command, each failing test at its line",
        hooks=[Hook("trunkgate-tests", ["pre-push"])],
        action="tests",
    ),
    Gate(
        "coverage",
        "coverage",
        "total coverage and coverage of the changed lines",
        hooks=[Hook("trunkgate-coverage", ["pre-push"])],
        tool=Tool("coverage", "https://coverage.readthedocs.io/", "coverage"),
        action="coverage",
        after=["tests"],  # in `run`, it reads the coverage data the tests gate's run wrote
    ),
    Gate(
        "performance",
        "performance",
        "benchmarks against the base's: slower beyond the noise fails",
        tool=Tool("pytest-benchmark", "https://pytest-benchmark.readthedocs.io/", "performance"),
        action="performance",
    ),
    Gate(
        "secrets",
        "secrets",
        "detect-secrets: secrets committed in the change (never printed)",
        hooks=[Hook("trunkgate-secrets", ["pre-commit", "manual"], files=True)],
        tool=Tool("detect-secrets", "https://github.com/Yelp/detect-secrets", "secrets"),
        action="secrets",
        security=True,
    ),
    Gate(
        "review",
        "review",
        "every commit that reached the trunk came through a pull request someone else approved",
        action="review",
    ),
    Gate(
        "api",
        "api",
        "griffe: breaking API changes are announced and in the changelog",
        hooks=[Hook("trunkgate-api", ["pre-push", "manual"])],
        tool=Tool("griffe", "https://mkdocstrings.github.io/griffe/", "api"),
        action="api",
    ),
    Gate(
        "version",
        "version",
        "a release's version file, changelog and tag agree",
        table="release",
        action="version",
    ),
)

COMMANDS: tuple[Command, ...] = (
    Command("release", "release", "next version, release notes, changelog cut (next|notes|cut)"),
    Command("run", "run", "every enabled gate, independent ones concurrently, one report"),
    Command("init", "init", "set a repository up: hooks, CI workflows, the policy"),
    Command("metrics", "metrics", "DORA's four keys from the git history, week by week"),
    Command("comment", "comment", "post or update the one trunkgate comment on a pull request"),
    Command("checks", "checks", "the latest verdict of a job on a commit, from its check runs"),
)

BY_NAME: dict[str, Gate] = {gate.name: gate for gate in GATES}
BY_COMMAND: dict[str, Gate] = {gate.command: gate for gate in GATES if gate.command}
RUN_GATES: tuple[str, ...] = tuple(gate.name for gate in GATES if gate.in_run)
HOOK_IDS: tuple[str, ...] = tuple(hook.id for gate in GATES for hook in gate.hooks)
TABLES: tuple[str, ...] = tuple(dict.fromkeys(gate.table for gate in GATES))


def gate(name: str) -> Gate:
    """The gate of that name (KeyError for an unknown one)."""
    return BY_NAME[name]


def tool_of(name: str) -> Tool:
    """The tool a gate needs (a gate that declares none is a programming error)."""
    tool = BY_NAME[name].tool
    if tool is None:  # pragma: no cover - not input: the registry says which gates have one
        raise ValueError(f"gate {name!r} declares no tool")
    return tool
