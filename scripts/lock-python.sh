#!/usr/bin/env bash
# Locks requirements-dev.in into requirements-dev.txt: every package the tools need,
# transitive ones included, pinned to one version with the sha256 of each of its files on
# PyPI, so scripts/setup-python.sh can install with --require-hashes and a file swapped on
# the index fails the install instead of running.
#
# uv's universal resolution, not pip-compile: pip-compile writes only the environment
# markers of the Python it runs on, and developers (3.11) and CI (3.12) differ, so a
# package one of them needs could be missing from the lock. uv itself is pinned by hash in
# requirements-lock.txt and installed into a throwaway venv.
#
#   bash scripts/lock-python.sh                  re-lock after editing requirements-dev.in
#                                                (unchanged packages keep their pins)
#   bash scripts/lock-python.sh --upgrade        move every transitive pin to its newest
#   bash scripts/lock-python.sh --upgrade-package NAME
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r requirements-lock.txt
# The oldest Python the project supports; --universal covers the newer ones too.
"$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes "$@" requirements-dev.in -o requirements-dev.txt
