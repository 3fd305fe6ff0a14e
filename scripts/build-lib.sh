#!/usr/bin/env bash
# npm run build:lib (and prepack): the package's JavaScript, types and Lambda bundles, from
# a clean dist/ — output of files that no longer exist must never ship (Node and tsc would
# load a stale web-service.js before web-service/index.js).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/lib dist/lambda dist/lambda-bundles
npx tsx scripts/build-lambdas.ts
npx tsc -p tsconfig.build.json
