#!/usr/bin/env bash
# Static audit of the GitHub Actions workflows and the Dependabot config with zizmor (pinned
# in requirements-dev.txt, installed into .venv by scripts/setup-python.sh; this script
# installs nothing). Offline: no GitHub API, so it runs in CI without a token.
# Fails on any finding of medium severity or above, and on a file it cannot parse.
#   bash scripts/audit-workflows.sh [ROOT]    (the checkout to audit; default: this one)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
zizmor=$root/.venv/bin/zizmor
if [ ! -x "$zizmor" ]; then
  echo "audit-workflows: $zizmor is missing: run bash scripts/setup-python.sh" >&2
  exit 1
fi
target=${1:-$root}
"$zizmor" --offline --strict-collection --min-severity medium "$target/.github/workflows" "$target/.github/dependabot.yml"
