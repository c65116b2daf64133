#!/bin/sh
# Re-create tests/e2e/vendor/axe.min.js from the npm registry (run by hand, never at test
# time) and check it is the vendored version byte for byte.
set -eu
VERSION=4.14.1
TARBALL_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE_SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "axe-core@$VERSION" >/dev/null
echo "$TARBALL_SHA256  axe-core-$VERSION.tgz" | sha256sum -c -
tar xzf "axe-core-$VERSION.tgz"
echo "$AXE_SHA256  package/axe.min.js" | sha256sum -c -
cp package/axe.min.js "$here/axe.min.js"
cp package/LICENSE "$here/axe-core.LICENSE"
cp package/LICENSE-3RD-PARTY.txt "$here/axe-core.LICENSE-3RD-PARTY.txt"
