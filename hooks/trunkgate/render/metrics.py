"""The renderings of `trunkgate metrics`: text, JSON, and Markdown for the step summary (the
keys' table, Mermaid `xychart-beta` charts of the weeks, the weeks, the failures).

Every value from the history (tag names, commits) goes through `trunkgate.github`'s cell
escaping in the Markdown; the charts hold only week labels and numbers.
"""

from __future__ import annotations

from trunkgate import report
from trunkgate.metrics import DAY, KEYS, PROG, TITLES, Metrics, date_of, median

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate import dora


def duration(seconds: float | None) -> str:
    """`40 s`, `25 min`, `3 h 12 min`, `4 d 6 h`; `-` for no value."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def shown_value(key: str, value: object) -> str:
    if value is None:
        return "no data"
    number = float(value)  # type: ignore[arg-type]  # the keys hold numbers or None
    if key == "deployment_frequency":
        return f"{number:.1f} a week"
    if key == "change_failure_rate":
        return f"{number:.1f} %"
    return duration(number)


def shown_target(key: str, target: object) -> str:
    number = float(target)  # type: ignore[arg-type]  # targets are numbers
    if key == "deployment_frequency":
        return f">= {number:g} a week"
    if key == "change_failure_rate":
        return f"< {number:g} %"
    return f"< {duration(number)}"


def verdict(met: object) -> str:
    return {True: "met", False: "missed", None: "no data"}[met]  # type: ignore[index]  # bool or None


def headline(m: Metrics, what: str) -> str:
    start, last = date_of(m.start), date_of(m.end - 1)
    days = round((m.end - m.start) / DAY)
    return (
        f"{report.plural(len(m.deployed), 'deployment')} from {start} to {last} "
        f"({days} days, {report.plural(len(m.weeks), 'week')}); deployments: {what}"
    )


def _detail(key: str, m: Metrics) -> str:
    if key == "change_failure_rate":
        return f"{len(m.failed)} of {len(m.deployed)}"
    if key == "lead_time":
        return report.plural(len(m.changes), "change")
    if key == "time_to_restore":
        return report.plural(len(m.failed), "failure")
    return report.plural(len(m.deployed), "deployment")


def render_text(m: Metrics, what: str) -> str:
    lines = [f"{PROG}: {headline(m, what)}", ""]
    rows = [
        (
            TITLES[k],
            shown_value(k, m.keys[k]["value"]),
            _detail(k, m),
            shown_target(k, m.keys[k]["target"]),
            verdict(m.keys[k]["met"]),
        )
        for k in KEYS
    ]
    rows = [(r[0], r[1], f"({r[2]})", r[3], r[4]) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        lines.append(f"  {cells[0]}  {cells[1]}  {cells[2]}  target {cells[3]}  {row[4]}")
    lines += ["", "  week      deployments  failures  lead time (median)  time to restore (median)"]
    for week in m.weeks:
        lines.append(
            f"  {week.label:<8}  {week.deployments:>11}  {week.failures:>8}  "
            f"{duration(median(week.lead)):<18}  {duration(median(week.restore))}"
        )
    for d in m.failed:
        lines.append(
            f"  failed: {d.name} ({date_of(d.time)}), restored by {_restorer(d)} after "
            f"{duration(d.restore_seconds)} ({d.signal} {str(d.failed_by)[:10]})"
        )
    if m.undeployed:
        lines.append(f"  not deployed yet: {report.plural(m.undeployed, 'change')} (no lead time)")
    missed = m.missed
    lines.append("")
    lines.append(
        f"{PROG}: "
        + (
            f"missed {', '.join(TITLES[k].lower() for k in missed)}"
            if missed
            else "every target met or without data"
        )
    )
    return "\n".join(lines) + "\n"


def _chart(
    title: str,
    labels: Sequence[str],
    axis: str,
    bars: Sequence[float],
    line: Sequence[float] | None = None,
) -> list[str]:
    top = max([*bars, *(line or []), 1])
    numbers = ", ".join(f"{v:g}" for v in bars)
    out = [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
        f'    y-axis "{axis}" 0 --> {top:g}',
        f"    bar [{numbers}]",
    ]
    if line is not None:
        out.append("    line [" + ", ".join(f"{v:g}" for v in line) + "]")
    return [*out, "```", ""]


def render_markdown(m: Metrics, what: str) -> str:
    from trunkgate import github

    missed = m.missed
    mark = "❌" if missed else "✅"
    lines = [
        f"### trunkgate metrics: {mark} DORA's four keys",
        "",
        github.cell(headline(m, what)),
        "",
    ]
    rows = [
        [
            TITLES[k],
            github.cell(shown_value(k, m.keys[k]["value"])),
            github.cell(_detail(k, m)),
            github.cell(shown_target(k, m.keys[k]["target"])),
            verdict(m.keys[k]["met"]),
        ]
        for k in KEYS
    ]
    lines += github.summary_table(["key", "value", "from", "target", "verdict"], rows)
    labels = [w.label[5:] for w in m.weeks]
    lines += _chart(
        "Deployments (bars) and failures (line) a week",
        labels,
        "deployments",
        [w.deployments for w in m.weeks],
        [w.failures for w in m.weeks],
    )
    lead = [round((median(w.lead) or 0) / 3600, 1) for w in m.weeks]
    target = round(float(m.keys["lead_time"]["target"]) / 3600, 2)  # type: ignore[arg-type]  # a number
    lines += _chart(
        "Median lead time for changes a week (line: the target)",
        labels,
        "hours",
        lead,
        [target] * len(m.weeks),
    )
    week_rows = [
        [
            w.label,
            str(w.deployments),
            str(w.failures),
            duration(median(w.lead)),
            duration(median(w.restore)),
        ]
        for w in m.weeks
    ]
    lines += github.summary_table(
        ["week", "deployments", "failures", "lead time (median)", "time to restore (median)"],
        week_rows,
    )
    if m.failed:
        failed_rows = []
        for d in m.failed:
            failed_rows.append(
                [
                    github.code(d.name),
                    str(date_of(d.time)),
                    github.code(_restorer(d)),
                    duration(d.restore_seconds),
                    github.cell(f"{d.signal} {str(d.failed_by)[:10]}"),
                ]
            )
        lines += github.summary_table(
            ["failed", "on", "restored by", "after", "because of"], failed_rows
        )
    return "\n".join(lines) + "\n"


def as_json(m: Metrics, what: str) -> dict[str, object]:
    return {
        "since": date_of(m.start).isoformat(),
        "until": date_of(m.end - 1).isoformat(),
        "deployments_from": what,
        "deployments": len(m.deployed),
        "changes": len(m.changes),
        "undeployed_changes": m.undeployed,
        "keys": m.keys,
        "missed": m.missed,
        "weeks": [w.as_dict() for w in m.weeks],
        "failures": [
            {
                "deployment": d.name,
                "at": d.time,
                "restored_by": _restorer(d),
                "restore_seconds": d.restore_seconds,
                "signal": d.signal,
                "evidence": d.failed_by,
            }
            for d in m.failed
        ],
    }


def _restorer(deployment: dora.Deployment) -> str:
    return deployment.restored_by.name if deployment.restored_by is not None else "-"
