#!/usr/bin/env bash
# Every benchmark, one after the other (each prints its own medians and ratios).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for script in hooks commit-msg changelog lint security coverage audit gates tests performance; do
  echo "== bench/$script.sh"
  bash "$here/$script.sh"
  echo
done
