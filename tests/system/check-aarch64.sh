#!/usr/bin/env bash
# aarch64: install Shoebox with image-build/install.sh into a Debian 12 arm64 root filesystem
# under qemu-user-static (binfmt), offline from an arm64 wheelhouse, then `shoebox index` a
# few corpus photos with labels and faces; prints the emulated time.
# Emulation workaround (test only, not shipped): LiteRT segfaulted under qemu-user while the
# host's x86 /sys CPU topology was visible; /sys stays unmounted in the chroot and
# QEMU_CPU=cortex-a72.
# usage: sudo tests/system/check-aarch64.sh [CACHE] [CORPUS]
set -euo pipefail
cache=${1:-${SHOEBOX_TEST_CACHE:-/var/cache/shoebox-test}}
corpus=${2:-${SHOEBOX_CORPUS:-/work/shared/corpus}}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64 || true
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "check-aarch64: qemu-user-static binfmt for aarch64 is not registered" >&2
    exit 1
fi
SHOEBOX_ROOTFS_FLAVOUR=user "$repo/tests/system/build-rootfs.sh" "$cache" arm64
"$repo/tests/system/build-wheelhouse-arm64.sh" "$cache"
wheels=$cache/wheelhouse-arm64
root=$(mktemp -d /var/tmp/shoebox-arm64.XXXXXX)
cleanup() {
    umount -l "$root/proc" "$root/dev" 2>/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$cache/rootfs-arm64-user.tar"
mkdir -p "$root/tmp/src" "$root/tmp/wheels" "$root/tmp/photos"
git -C "$repo" ls-files -z | grep -zv '^tests/\|^bench/' | (cd "$repo" && xargs -0 cp --parents -t "$root/tmp/src")
cp "$wheels"/*.whl "$root/tmp/wheels/"
# A few photos with faces and clear subjects (labels): the first face photos and skimage's.
find "$corpus/faces" -name '*.jpg' | sort | head -3 | xargs -r cp -t "$root/tmp/photos/"
for photo in misc/skimage/chelsea.jpg misc/skimage/astronaut.jpg misc/skimage/coffee.jpg; do
    if [ -e "$corpus/$photo" ]; then cp "$corpus/$photo" "$root/tmp/photos/"; fi
done
mount --bind /proc "$root/proc"
mount --bind /dev "$root/dev" # no /sys: see the header
export QEMU_CPU=cortex-a72
start=$(date +%s)
chroot "$root" sh -c "SHOEBOX_PIP_ARGS='--no-index --find-links /tmp/wheels' /tmp/src/image-build/install.sh \
    --no-start --wheel /tmp/wheels/$(basename "$(ls "$wheels"/shoebox_appliance-*.whl)")"
installed=$(date +%s)
chroot "$root" /opt/shoebox/bin/python -c 'import platform; print("machine", platform.machine())'
chroot "$root" sh -c 'SHOEBOX_CONFIG= SHOEBOX_WORKERS=1 /opt/shoebox/bin/shoebox --library /tmp/lib index /tmp/photos'
indexed=$(date +%s)
chroot "$root" /opt/shoebox/bin/python - <<'PY'
import sqlite3
db = sqlite3.connect("/tmp/lib/catalog.db")
photos = db.execute("select count(*) from photo where status = 'ok'").fetchone()[0]
labels = db.execute("select count(*) from photo_label").fetchone()[0]
faces = db.execute("select count(*) from face").fetchone()[0]
print(f"aarch64: {photos} photos, {labels} labels, {faces} faces")
assert photos >= 3 and labels > 0 and faces > 0, (photos, labels, faces)
PY
echo "aarch64: install $((installed - start)) s, index $((indexed - installed)) s (emulated, qemu-user, cortex-a72)"
