#!/usr/bin/env bash
# Installs the PyPI-only tools (cfn-lint, checkov, moto server, zizmor, schemathesis) from
# requirements-dev.txt into .venv, with --require-hashes: every package, transitive ones
# included, must match a pinned version and a hash of its file (the lock is made from
# requirements-dev.in by scripts/lock-python.sh). Idempotent: a no-op when .venv already matches.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements-dev.sha256
wanted=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x .venv/bin/moto_server ] && [ -x .venv/bin/zizmor ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
echo "$wanted" > "$stamp"
