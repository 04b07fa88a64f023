#!/usr/bin/env bash
# The two parsers on huge inputs, in one hyperfine run next to `python -c pass`: the Keep a
# Changelog parser on a generated changelog of CHANGELOG_MB (20 by default: half of it one
# entry of many continuation lines, half ordinary versions with their groups, entries and
# link references) and the Conventional Commits parser on a generated message of MESSAGE_MB
# (5 by default: half a body of many paragraphs, half one footer of many continuation lines).
# Each input also at half its size: twice the size for twice the time above start-up is
# linear. Each parse is `python -c` reading the file, as a hook would; the targets are 2 s for
# 20 MB of changelog and 1 s for 5 MB of message. trunkgate is installed in a fresh venv the
# way pre-commit installs hooks (a wheel, with compiled bytecode, by a current pip).
# RUNS=10 by default; KEEP=1 keeps the temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONDONTWRITEBYTECODE  # measure with bytecode caches, as installed hooks run

python3 -m venv "$work/tg"
"$work/tg/bin/pip" install --quiet --upgrade pip
"$work/tg/bin/pip" install --quiet "$root"
py="$work/tg/bin/python"

# The inputs, written with "\n" line ends: NAME-full and NAME-half of each.
"$py" - "$work" "${CHANGELOG_MB:-20}" "${MESSAGE_MB:-5}" <<'PY'
import sys

work, changelog_mb, message_mb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])


def changelog(size: int) -> str:
    lines = ["# Changelog", "", "## [Unreleased]", "", "### Added", ""]
    lines.append("- One entry that goes on and on, wrapped over many lines:")
    total = sum(len(line) + 1 for line in lines)
    n = 0
    while total < size // 2:  # indented continuation lines, a blank line now and then
        n += 1
        line = f"  line {n} of the entry, indented as a wrapped list item continues it."
        if n % 20 == 0:
            lines.append("")
            total += 1
        lines.append(line)
        total += len(line) + 1
    lines.append("")
    versions = []
    while total < size:
        v = len(versions) + 1
        version = f"{v // 10000}.{v // 100 % 100}.{v % 100}"
        versions.append(version)
        block = [
            f"## [{version}] - 2026-06-{v % 28 + 1:02d}",
            "",
            "### Added",
            "",
            f"- A feature that shipped in {version}, described in a sentence or two for the",
            "  people who read release notes.",
            "- Another addition.",
            "",
            "### Fixed",
            "",
            f"- A bug fixed in {version}.",
            "",
        ]
        lines += block
        total += sum(len(line) + 1 for line in block) + len(version) * 2 + 40
    lines += [f"[{v}]: https://example.com/compare/v0.0.0...v{v}" for v in versions]
    return "\n".join(lines) + "\n"


def message(size: int) -> str:
    lines = ["feat(parser): parse huge messages in linear time", ""]
    total = sum(len(line) + 1 for line in lines)
    n = 0
    while total < size // 2:  # the body: paragraphs of five lines
        n += 1
        line = f"Line {n} of the body, a paragraph of prose about what changed and why."
        if n % 5 == 0:
            lines.append("")
            total += 1
        lines.append(line)
        total += len(line) + 1
    lines += ["", "Refs: #12", "BREAKING CHANGE: the footer goes on and on, over many lines:"]
    while total < size:  # one footer value: lines that start no token
        n += 1
        line = f"continued, line {n} of the breaking change, which tools read as one value."
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


for name, make, mb in (("changelog", changelog, changelog_mb), ("message", message, message_mb)):
    size = int(mb * 1_000_000)
    for part, bytes_ in (("full", size), ("half", size // 2)):
        text = make(bytes_)
        with open(f"{work}/{name}-{part}.txt", "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"{name}-{part}: {len(text) / 1e6:.2f} MB, {text.count(chr(10)):,} lines")
PY

# What each run does: read the file and parse it (the changelog's own, the message's own).
read='open(sys.argv[1], encoding="utf-8").read()'
kac="import sys; from trunkgate import keepachangelog; keepachangelog.parse($read)"
cc="import sys; from trunkgate import conventional; conventional.parse($read)"

# The parses must read what was written, or the timings are moot.
"$py" - "$work" <<'PY'
import sys

from trunkgate import conventional, keepachangelog

work = sys.argv[1]
for part in ("full", "half"):
    with open(f"{work}/changelog-{part}.txt", encoding="utf-8") as fh:
        text = fh.read()
    doc = keepachangelog.parse(text)
    big = doc.sections[0].groups[0].entries[0]
    assert doc.unplaced == [] and len(doc.links) == len(doc.sections) - 1
    assert big.end - big.line + 1 == big.text.count("\n") + 1 > 1000
    with open(f"{work}/message-{part}.txt", encoding="utf-8") as fh:
        text = fh.read()
    msg = conventional.parse(text)
    assert msg.valid and msg.breaking and len(msg.footers) == 2, msg.issues
    assert len(msg.body) + len(msg.footers[1][1]) > len(text) * 0.9
PY

hyperfine -N --warmup 1 --runs "${RUNS:-10}" --export-json "$work/parsers.json" \
  -n "python -c pass" "$py -c pass" \
  -n "changelog half" "$py -c '$kac' $work/changelog-half.txt" \
  -n "changelog full" "$py -c '$kac' $work/changelog-full.txt" \
  -n "message half" "$py -c '$cc' $work/message-half.txt" \
  -n "message full" "$py -c '$cc' $work/message-full.txt" \
  >/dev/null

"$py" - "$work/parsers.json" "${CHANGELOG_MB:-20}" "${MESSAGE_MB:-5}" <<'PY'
import json
import statistics
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)["results"]
medians = {r["command"]: statistics.median(r["times"]) for r in results}
cpu = {r["command"]: r["user"] + r["system"] for r in results}  # steadier on a busy machine
base = medians["python -c pass"]
print(f"python -c pass: {base * 1000:.1f} ms (cpu {cpu['python -c pass'] * 1000:.1f} ms)")
for name, mb in (("changelog", float(sys.argv[2])), ("message", float(sys.argv[3]))):
    shown = []
    for part, size in (("half", mb / 2), ("full", mb)):
        run = f"{name} {part}"
        shown.append(f"{size:g} MB: {medians[run] * 1000:7.1f} ms (cpu {cpu[run] * 1000:.0f} ms)")
    ratio = (medians[f"{name} full"] - base) / (medians[f"{name} half"] - base)
    linear = f"above start-up, full/half: {ratio:.2f}x (2.00x is linear)"
    print(f"{name:<9}  {'  '.join(shown)}  {linear}")
PY
