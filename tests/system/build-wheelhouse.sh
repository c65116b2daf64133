#!/usr/bin/env bash
# Build a wheelhouse for an offline Shoebox install: every runtime dependency as a wheel for
# this machine's Python and architecture, the build dependencies of the project itself
# (setuptools, wheel) and of sdist-only packages (face-recognition-models is built here
# once, not on the box), and the shoebox_appliance wheel. Then, on a box without internet:
#   SHOEBOX_PIP_ARGS="--no-index --find-links DIR" image-build/install.sh --wheel DIR/shoebox_appliance-*.whl
# usage: tests/system/build-wheelhouse.sh DIR [PYTHON]
set -euo pipefail
out=${1:?usage: build-wheelhouse.sh DIR [PYTHON]}
python=${2:-python3}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$out"
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# Build dependencies first: they are needed to build the project and any sdist offline.
"$venv/bin/python" -m pip download -q --only-binary=:all: -d "$out" 'setuptools>=70.1' wheel
"$venv/bin/python" -m pip wheel -q -w "$out" --find-links "$out" "$repo"
ls "$out"/shoebox_appliance-*.whl >/dev/null
echo "wheelhouse $out: $(find "$out" -name '*.whl' | wc -l) wheels, $(du -sh "$out" | cut -f1)"
