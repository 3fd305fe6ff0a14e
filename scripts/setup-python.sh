#!/usr/bin/env bash
# Installs the PyPI-only tools (cfn-lint, checkov, moto server, zizmor) pinned in
# requirements-dev.txt into .venv. Idempotent: a no-op when .venv already matches.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements-dev.sha256
wanted=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x .venv/bin/moto_server ] && [ -x .venv/bin/zizmor ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
