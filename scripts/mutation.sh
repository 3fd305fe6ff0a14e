#!/usr/bin/env bash
# Mutation testing (Stryker), one run per folder group, each with its own break threshold
# (stryker/<group>.config.mjs): lambda and app at 80 %, lib and stage-config at 70 %.
#
#   npm run test:mutation                    full run of every group; rewrites the baselines
#   npm run test:mutation -- --incremental   only mutants whose code or tests changed since
#                                            the committed baseline (what CI runs)
#   npm run test:mutation -- lambda app      only the groups named (either mode)
#
# Every run reads and writes stryker/baseline/<group>.json; a full run is `--force` over it,
# so committing the files after a full run moves the baseline. An incremental run of a group
# with no committed baseline would be a full run (hours on two cores): it fails instead,
# naming the command that makes the baseline, so deleting a baseline cannot switch a gate off.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=(--incremental --force)
groups=()
for arg in "$@"; do
  case "$arg" in
    --incremental) mode=(--incremental) ;;
    lambda | app | lib | stage-config) groups+=("$arg") ;;
    *) echo "test:mutation: unknown argument $arg (groups: lambda app lib stage-config; flag: --incremental)" >&2; exit 2 ;;
  esac
done
[ ${#groups[@]} -gt 0 ] || groups=(lambda app lib stage-config)

failed=()
for group in "${groups[@]}"; do
  if [ "${mode[*]}" = --incremental ] && [ ! -f "stryker/baseline/$group.json" ]; then
    echo "== mutation: $group FAILED: no committed baseline; run 'npm run test:mutation -- $group' and commit stryker/baseline/$group.json" >&2
    failed+=("$group")
    continue
  fi
  echo "== mutation: $group ${mode[*]}"
  start=$SECONDS
  if nice -n 10 npx stryker run "stryker/$group.config.mjs" "${mode[@]}"; then
    # Static mutants the app and lib groups ignore are unscored: none may be left.
    npx tsx scripts/mutation-unscored.ts "reports/mutation/$group.json" || failed+=("$group")
  else
    failed+=("$group")
  fi
  echo "== mutation: $group took $((SECONDS - start)) s"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test:mutation: below the break threshold or failed: ${failed[*]}" >&2
  exit 1
fi
