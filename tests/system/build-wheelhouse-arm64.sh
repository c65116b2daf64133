#!/usr/bin/env bash
# The arm64 wheelhouse for an offline install on a Debian 12 arm64 box (CPython 3.11):
# pure-Python wheels (shoebox, face-recognition-models built from its sdist) come from the
# amd64 wheelhouse (build-wheelhouse.sh, run first); every binary wheel is downloaded for
# aarch64.
# usage: tests/system/build-wheelhouse-arm64.sh CACHE   -> CACHE/wheelhouse-arm64
set -euo pipefail
cache=${1:?usage: build-wheelhouse-arm64.sh CACHE}
amd64=$cache/wheelhouse-amd64
wheels=$cache/wheelhouse-arm64
mkdir -p "$wheels"
rm -f "$wheels"/shoebox_appliance-*.whl
cp "$amd64"/*-none-any.whl "$wheels"/
python3 -m pip download -q --only-binary=:all: --platform manylinux_2_28_aarch64 \
    --platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64 \
    --python-version 3.11 --implementation cp --abi cp311 \
    --find-links "$wheels" -d "$wheels" "$(ls "$wheels"/shoebox_appliance-*.whl)"
echo "wheelhouse $wheels: $(find "$wheels" -name '*.whl' | wc -l) wheels, $(du -sh "$wheels" | cut -f1)"
