"""`trunkgate metrics`: DORA's four keys from the git history alone, week by week.

Deployment frequency (deployments a week), lead time for changes (median, a change's first
commit to the first deployment that holds it), change failure rate (deployments that a patch
release, a hotfix or a revert repaired within `failure-window-days`) and time to restore
(median, a failed deployment to the one that repaired it), over a window (`--since 90d`, up
to `--until`, default now), each with the policy's target and a verdict. The definitions
are `trunkgate.dora`'s, the renderings `trunkgate.render.metrics`'s. Two git processes read
everything: one `git log` of HEAD's history and one `git for-each-ref` of the tags; a
shallow clone is an error (fetch the history).

Output: `text` (default), `json`, `markdown` (a table of the keys, Mermaid `xychart-beta`
charts, the weeks) or `github` (the text on stdout, the Markdown in the step summary, the
figures as step outputs). Exit code 0 with the figures, whatever they are; with `--check`,
1 when a key misses its target; 2 on bad input.
"""

from __future__ import annotations

import datetime
import sys

from trunkgate import config, dora, flags, git, report, versions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.policies import MetricsPolicy

PROG = "trunkgate metrics"
FORMATS = ("text", "json", "markdown", "github")
EXAMPLE = "trunkgate metrics --since 90d --format markdown >> $GITHUB_STEP_SUMMARY"
ARGS = (
    flags.Arg(
        "--until",
        "the end of the window, a date YYYY-MM-DD (its whole day counts; default: now)",
        metavar="DATE",
    ),
    flags.Arg("--check", "exit 1 when a key misses its target", kind="flag"),
)
DAY = 86400
KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore")
TITLES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore",
}


# --------------------------------------------------------------------------- the window


def window(since: str, until: str | None, now: float) -> tuple[int, int]:
    """(start, end) in Unix seconds from the policy's `since` and the `--until` date."""
    if until:
        try:
            day = datetime.date.fromisoformat(until)
        except ValueError:
            raise report.UsageError(f"--until: expected a date YYYY-MM-DD, got {until!r}") from None
        end = _midnight(day) + DAY
    else:
        end = int(now) + 1  # exclusive: a deployment tagged this very second counts
    text = since.strip()
    count = text[:-1]
    if text[-1:] in ("d", "w") and count.isdigit() and len(count) <= 5 and int(count) > 0:
        start = end - int(count) * (7 if text[-1] == "w" else 1) * DAY
    else:
        try:
            start = _midnight(datetime.date.fromisoformat(text))
        except ValueError:
            raise report.UsageError(
                f"since: expected a number of days or weeks (90d, 13w) or a date YYYY-MM-DD, "
                f"got {since!r}"
            ) from None
    if start >= end:
        raise report.UsageError(f"since: {since!r} is not before the end of the window")
    return start, end


def _midnight(day: datetime.date) -> int:
    return int(
        datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp()
    )


def date_of(when: int) -> datetime.date:
    return datetime.datetime.fromtimestamp(when, tz=datetime.timezone.utc).date()


# --------------------------------------------------------------------------- deployments


def _release_version(name: str, prefix: str, scheme: str) -> str | None:
    """The version of a final release tag (prefix + version in the scheme), else None."""
    if not name.startswith(prefix):
        return None
    version = name[len(prefix) :]
    match = versions.PATTERNS[scheme].fullmatch(version)
    if match is None:
        return None
    groups = match.groupdict()
    if groups.get("pre") or groups.get("pre_l") or groups.get("dev") or groups.get("build"):
        return None  # a pre-release (or a build) is not a deployment to production
    return version


_PARTS: dict[str, tuple[int, int, int]] = {}


def _parts(version: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a final release's version (missing parts are 0), memoised:
    each deployment is compared with the ones before it in the window."""
    found = _PARTS.get(version)
    if found is None:
        core = version.split("!")[-1].split("-")[0].split("+")[0]
        out = []
        for piece in core.split("."):
            if not (piece.isdigit() and piece.isascii()):
                break
            out.append(int(piece))
        out += [0] * (3 - len(out))
        found = _PARTS[version] = (out[0], out[1], out[2])
    return found


def is_patch(scheme: str, old: str, new: str) -> bool:
    """`new` is a patch release of `old`: same major.minor, higher patch (semver, pep440)."""
    if scheme not in ("semver", "pep440"):
        return False
    a, b = _parts(old), _parts(new)
    return a[:2] == b[:2] and b[2] > a[2]


def deployments(
    policy: MetricsPolicy, tags: Sequence[tuple[str, str, int]]
) -> tuple[list[tuple[str, str, int, str | None]], str, str]:
    """The deployment tags (name, commit, time, version), what they are (for the notes) and
    the scheme their versions follow."""
    from fnmatch import fnmatchcase

    prefix, scheme = str(policy.tag_prefix), str(policy.version_scheme)
    pattern = str(policy.deploy_tags)
    names = [name for name, _, _ in tags]
    if pattern:
        chosen = [
            (n, s, t, _release_version(n, prefix, scheme))
            for n, s, t in tags
            if fnmatchcase(n, pattern)
        ]
        return chosen, f"tags {pattern} (policy key deploy-tags)", scheme

    def releases(prefix: str, scheme: str) -> list[tuple[str, str, int, str | None]]:
        found: list[tuple[str, str, int, str | None]] = []
        for name, sha, when in tags:
            version = _release_version(name, prefix, scheme)
            if version is not None and not versions.is_alias(name, names):
                found.append((name, sha, when, version))
        return found

    chosen = releases(prefix, scheme)
    what = f"release tags {prefix}<{scheme} version>"
    if not chosen:
        detected = versions.detect_scheme_and_prefix(names, config.project_name(policy.root))
        if detected is not None and detected != (scheme, prefix):
            scheme, prefix = detected
            chosen = releases(prefix, scheme)
            shown = prefix or "no prefix"
            what = (
                f"release tags {prefix}<{scheme} version> (detected: no tag has the policy's "
                f"tag prefix {policy.tag_prefix!r}; these use {shown})"
            )
    return chosen, what, scheme


# --------------------------------------------------------------------------- the figures


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


class Week:
    """The figures of one ISO week of the window."""

    __slots__ = ("deployments", "failures", "label", "lead", "restore", "start")

    def __init__(self, start: datetime.date) -> None:
        self.start = start  # its Monday
        iso = start.isocalendar()
        self.label = f"{iso[0]}-W{iso[1]:02d}"
        self.deployments = 0
        self.failures = 0
        self.lead: list[int] = []
        self.restore: list[int] = []

    def as_dict(self) -> dict[str, object]:
        return {
            "week": self.label,
            "start": self.start.isoformat(),
            "deployments": self.deployments,
            "failures": self.failures,
            "changes": len(self.lead),
            "lead_time_median_seconds": median(self.lead),
            "time_to_restore_median_seconds": median(self.restore),
        }


class Metrics:
    """The four keys over the window, week by week, with their targets and verdicts."""

    def __init__(self, policy: MetricsPolicy, history: dora.History, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.deployed = [d for d in history.deployments if start <= d.time < end]
        self.failed = [
            d
            for d in self.deployed
            if d.failed and d.restored_by is not None and d.restored_by.time < end
        ]
        self.changes = [c for d in self.deployed for c in d.changes]
        self.undeployed = len(history.undeployed)
        first = date_of(start)
        monday = first - datetime.timedelta(days=first.weekday())
        self.weeks: list[Week] = []
        while _midnight(monday) < end:
            self.weeks.append(Week(monday))
            monday += datetime.timedelta(days=7)
        failed = {id(d) for d in self.failed}
        for deployment in self.deployed:
            week = self._week(deployment.time)
            week.deployments += 1
            week.lead += [c.lead_seconds or 0 for c in deployment.changes]
            if id(deployment) in failed:
                week.failures += 1
                week.restore.append(deployment.restore_seconds or 0)
        days = (end - start) / DAY
        lead = median([c.lead_seconds or 0 for c in self.changes])
        restore = median([d.restore_seconds or 0 for d in self.failed])
        per_week = len(self.deployed) * 7 / days
        rate = 100 * len(self.failed) / len(self.deployed) if self.deployed else None
        targets = {
            "deployment_frequency": float(policy.target_deploys_per_week),
            "lead_time": float(policy.target_lead_time_hours) * 3600,
            "change_failure_rate": float(policy.target_failure_rate),
            "time_to_restore": float(policy.target_restore_minutes) * 60,
        }
        values: dict[str, float | None] = {
            "deployment_frequency": per_week,
            "lead_time": lead,
            "change_failure_rate": rate,
            "time_to_restore": restore,
        }
        self.keys: dict[str, dict[str, object]] = {}
        for key in KEYS:
            value, target = values[key], targets[key]
            if value is None:
                met = None
            elif key == "deployment_frequency":
                met = value >= target
            else:
                met = value < target
            self.keys[key] = {"value": value, "target": target, "met": met}

    def _week(self, when: int) -> Week:
        day = date_of(when)
        return self.weeks[(day - self.weeks[0].start).days // 7]

    @property
    def missed(self) -> list[str]:
        return [key for key in KEYS if self.keys[key]["met"] is False]


# --------------------------------------------------------------------------- the command


def measure(policy: MetricsPolicy, until: str | None, now: float) -> tuple[Metrics, str]:
    start, end = window(str(policy.since), until, now)
    root = policy.root
    git.require_repo(root)
    log = git.history("HEAD", cwd=root)
    chosen, what, scheme = deployments(policy, git.tag_dates(cwd=root))
    history = dora.analyse(
        log,
        chosen,
        window_days=int(policy.failure_window_days),
        hotfix_prefixes=list(policy.hotfix_prefixes),
        is_patch=lambda old, new: is_patch(scheme, old, new),
    )
    return Metrics(policy, history, start, end), what


def main(argv: Sequence[str] | None = None) -> int:
    import time

    opts, policy = flags.parse_args(
        PROG, "metrics", argv, ARGS, __doc__ or "", EXAMPLE, formats=FORMATS
    )
    from trunkgate.render.metrics import as_json, render_markdown, render_text

    metrics, what = measure(policy, opts.until, time.time())
    fmt: str = opts.format
    if fmt == "json":
        import json

        from trunkgate import github

        print(github.inert_json(json.dumps(as_json(metrics, what), indent=2)))
    elif fmt == "markdown":
        sys.stdout.write(render_markdown(metrics, what))
    else:
        sys.stdout.write(render_text(metrics, what))
    if fmt == "github":
        from trunkgate import github

        github.append_summary(render_markdown(metrics, what))
        keys = metrics.keys
        github.set_outputs(
            {
                "deployments": str(len(metrics.deployed)),
                "deployments-per-week": _number(keys["deployment_frequency"]["value"]),
                "lead-time-seconds": _number(keys["lead_time"]["value"]),
                "change-failure-rate": _number(keys["change_failure_rate"]["value"]),
                "time-to-restore-seconds": _number(keys["time_to_restore"]["value"]),
                "missed": ",".join(metrics.missed),
            }
        )
    check: bool = opts.check
    return report.FAIL if check and metrics.missed else report.PASS


def _number(value: object) -> str:
    return "" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]  # a number
