"""The policy of each gate as the type checker sees it: one Protocol per table of
`trunkgate.schema`, so that `policy.max_subject_length` is an `int` to mypy.

A resolved `trunkgate.config.Policy` reads its keys through `__getattr__`, so it satisfies
every Protocol here; a gate annotates its policy with the one of its table. Each attribute
is a key of the table (or a shared key) in snake_case, typed by its kind:

    STR, REGEX, CHOICE -> str    INT -> int    NUMBER -> float    BOOL -> bool
    LIST -> list[str]    DATE -> datetime.date | None    TABLES -> list[dict[str, object]]

`tests/test_policies.py` checks every Protocol against `schema.SHARED` and `schema.GATES`:
a key added to the schema, or an attribute of the wrong type, fails it.

The package imports this module under `if TYPE_CHECKING:` only: the hook path never pays
for `typing`. At run time (the test reads the annotations) the Protocols are plain classes.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime
    from typing import Protocol
else:
    Protocol = object


class SharedPolicy(Protocol):
    """The shared keys at the top of `[tool.trunkgate]`, and what every Policy has."""

    root: str
    source: str | None

    def path(self, relative: str) -> str: ...

    trunk: str
    version_scheme: str
    changelog_file: str
    tag_prefix: str


class BranchPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.branch]`"""

    prefixes: list[str]
    pattern: str
    exempt: list[str]
    start_after: datetime.date | None
    allow_trunk_commits: bool
    max_age_days: int
    max_behind: int
    versioned_prefixes: list[str]


class CommitsPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.commits]`"""

    types: list[str]
    scopes: list[str]
    require_scope: bool
    max_subject_length: int
    strict: bool


class ChangelogPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.changelog]`"""

    extra_groups: list[str]
    mode: str
    code: list[str]
    exempt_types: list[str]
    skip_label: str


class RunPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.run]`"""

    gates: list[str]
    skip: list[str]


class LintPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.lint]`"""

    check_format: bool


class SecurityPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.security]`"""

    severity: str
    warn_severity: str
    confidence: str
    exclude: list[str]
    baseline: str


class AuditPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.audit]`"""

    osv_url: str
    requirements: list[str]
    ignore: list[dict[str, object]]
    cache_dir: str


class CoveragePolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.coverage]`"""

    fail_under: float
    diff_fail_under: float
    diff_min_lines: int
    file_fail_under: float
    data: str
    test_command: str


class TestsPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.tests]`"""

    command: str
    junit_xml: str
    coverage: str


class PerformancePolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.performance]`"""

    baseline: str
    threshold: float
    command: str
    results: str


class ReleasePolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.release]` (`trunkgate release` and the version gate)"""

    zero_major_breaking: str
    initial_version: str
    version_file: str
    reference_files: list[str]
    repository: str


# The Protocol of each table of `schema.GATES`.
BY_TABLE = {
    "branch": BranchPolicy,
    "commits": CommitsPolicy,
    "changelog": ChangelogPolicy,
    "run": RunPolicy,
    "lint": LintPolicy,
    "security": SecurityPolicy,
    "audit": AuditPolicy,
    "coverage": CoveragePolicy,
    "tests": TestsPolicy,
    "performance": PerformancePolicy,
    "release": ReleasePolicy,
}
