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

    def is_set(self, key: str) -> bool: ...

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
    ignore_pr_number: bool
    squash_subject: bool
    exempt_authors: list[str]
    exempt_subjects: list[str]


class ChangelogPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.changelog]`"""

    extra_groups: list[str]
    mode: str
    code: list[str]
    exempt_types: list[str]
    skip_label: str
    findings_per_rule: int


class RunPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.run]`"""

    gates: list[str]
    skip: list[str]


class LintPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.lint]`"""

    check_format: bool
    types: list[str]
    ruff_version: str
    baseline: str
    filter_mode: str


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
    lockfile: str
    severity: str
    unknown_severity: str


class CoveragePolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.coverage]`"""

    fail_under: float
    diff_fail_under: float
    diff_min_lines: int
    file_fail_under: float
    data: str
    test_command: str
    require_data: bool


class SecretsPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.secrets]`"""

    plugins: list[str]
    scope: str
    exclude: list[str]
    baseline: str


class ReviewPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.review]`"""

    min_share: float
    exempt_authors: list[str]


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
    version_files: list[dict[str, object]]
    paths: list[str]
    non_conventional: str


class ApiPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.api]`"""

    packages: list[str]
    search_paths: list[str]


class MetricsPolicy(SharedPolicy, Protocol):
    """`[tool.trunkgate.metrics]` (`trunkgate metrics`)"""

    since: str
    deploy_tags: str
    failure_window_days: int
    hotfix_prefixes: list[str]
    target_deploys_per_week: int
    target_lead_time_hours: float
    target_failure_rate: float
    target_restore_minutes: int


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
    "secrets": SecretsPolicy,
    "review": ReviewPolicy,
    "api": ApiPolicy,
    "metrics": MetricsPolicy,
    "tests": TestsPolicy,
    "performance": PerformancePolicy,
    "release": ReleasePolicy,
}
