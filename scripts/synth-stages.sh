#!/usr/bin/env bash
# Synthesizes every stack of each stage given (default: all shipped stages) into
# cdk.out/<stage>, offline: no credentials, no Docker, no context lookups.
set -euo pipefail
cd "$(dirname "$0")/.."
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(dev prod)
# The Lambdas deploy their prebuilt bundles; the Service stack's image asset is the app
# folder with its pre-built bundle.
npm run --silent build:lambdas >/dev/null
npm run --silent build:app >/dev/null
for stage in "${stages[@]}"; do
  # Start clean: assets of earlier syntheses would otherwise linger and be scanned.
  rm -rf "cdk.out/$stage"
  npx cdk synth --quiet --context stage="$stage" --output "cdk.out/$stage" >/dev/null
  echo "synthesized $stage: $(ls cdk.out/"$stage"/*.template.json | wc -l) templates in cdk.out/$stage"
done
