#!/usr/bin/env bash
# A Debian 12 (bookworm) root filesystem for the appliance VM, cached as a tarball:
# debootstrap from the mirror apt uses, with the kernel, systemd, SSH and every Debian
# package image-build/install.sh wants (the VM has no internet, so install.sh finds them
# installed and skips apt). Reused by every run; delete the tarball to rebuild.
# usage: tests/system/build-rootfs.sh CACHE_DIR [ARCH]   -> CACHE_DIR/rootfs-ARCH.tar
set -euo pipefail
cache=${1:?usage: build-rootfs.sh CACHE_DIR [ARCH]}
arch=${2:-amd64}
out=$cache/rootfs-$arch.tar
# The mirror apt uses (the first "URIs:" or "deb" line that is not commented out).
mirror=${SHOEBOX_DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    sed -nE 's/^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?:\/\/[^ ]*\/debian)\/?([[:space:]].*)?$/\3/p' | head -1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
kernel=linux-image-$arch
[ "$arch" = arm64 ] && kernel=linux-image-arm64
# The appliance's own packages (install.sh: python3-venv avahi-daemon gphoto2 ntfs-3g
# libimage-exiftool-perl ffmpeg restic, nftables for --port80, nginx for --https, samba
# samba-vfs-modules for --samba) and what the test drives it with
# (ssh, sqlite3, curl, avahi-utils, dosfstools, exfatprogs to format the exFAT card).
runtime=python3,python3-venv,dbus,avahi-daemon,gphoto2,ntfs-3g,libimage-exiftool-perl,ffmpeg,restic,nftables,nginx,samba,samba-vfs-modules
packages=systemd-sysv,udev,kmod,initramfs-tools,$kernel,openssh-server,iproute2,procps,
packages+=$runtime,avahi-utils,libnss-mdns,sqlite3,curl,ca-certificates,dosfstools,exfatprogs,e2fsprogs
# SHOEBOX_ROOTFS_FLAVOUR=user: no kernel or services, for running under qemu-user only.
flavour=${SHOEBOX_ROOTFS_FLAVOUR:-vm}
if [ "$flavour" = user ]; then
    packages=$runtime,sqlite3,systemd
    out=$cache/rootfs-$arch-user.tar
fi
# The cache is valid for this package list only (a stamp beside the tarball).
stamp="$out.packages"
if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$packages" ]; then
    echo "rootfs: $out (cached)"
    exit 0
fi
dir=$cache/rootfs-$arch-$flavour.tmp
rm -rf "$dir"
mkdir -p "$cache"
if [ "$flavour" = vm ] && [ "$arch" != "$(dpkg --print-architecture)" ]; then
    # A foreign VM rootfs (arm64 on an amd64 host): debootstrap's second stage runs every
    # step under qemu-user and did not finish in 45 min here. Start from the qemu-user
    # flavour (cached, or built first) and let apt add this list in a chroot; apt installs
    # every package of the list, so the stamp below stays true.
    base=$cache/rootfs-$arch-user.tar
    [ -s "$base" ] || SHOEBOX_ROOTFS_FLAVOUR=user "$0" "$cache" "$arch"
    echo "rootfs: $base + apt-get install under qemu-user from $mirror"
    mkdir -p "$dir"
    tar -C "$dir" -xf "$base"
    echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d" # start no service here
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    # The initramfs of a VM that boots from a virtio disk: MODULES=most had mkinitramfs copy
    # some 2000 modules, one emulated process each (over 20 min); these are all it needs.
    mkdir -p "$dir/etc/initramfs-tools/conf.d" "$dir/usr/share/initramfs-tools/modules.d"
    echo MODULES=list >"$dir/etc/initramfs-tools/conf.d/shoebox-vm.conf"
    printf '%s\n' virtio_pci virtio_mmio virtio_blk virtio_net ext4 \
        >"$dir/usr/share/initramfs-tools/modules.d/shoebox-vm"
    mount --bind /proc "$dir/proc"
    mount --bind /dev "$dir/dev" # no /sys: qemu-user with the host's x86 CPU topology
    trap 'umount -l "$dir/proc" "$dir/dev" 2>/dev/null || true' EXIT
    QEMU_CPU=cortex-a72 chroot "$dir" env DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get -q update && apt-get -q install -y --no-install-recommends ${packages//,/ }"
    umount -l "$dir/proc" "$dir/dev"
    rm "$dir/usr/sbin/policy-rc.d"
else
    echo "rootfs: debootstrap bookworm $arch from $mirror"
    debootstrap --arch="$arch" --variant=minbase --include="$packages" bookworm "$dir" "$mirror"
fi
if [ "$flavour" = vm ]; then
    # Networking (DHCP on the QEMU user network), SSH, the root filesystem by label.
    cat >"$dir/etc/systemd/network/20-wired.network" <<'NET'
[Match]
Name=en* eth*
[Network]
DHCP=yes
NET
    chroot "$dir" systemctl enable systemd-networkd.service ssh.service
    echo "LABEL=rootfs / ext4 defaults,noatime 0 1" >"$dir/etc/fstab"
    echo "proc /proc proc defaults 0 0" >>"$dir/etc/fstab"
    echo "debian" >"$dir/etc/hostname"
    chroot "$dir" passwd --lock root >/dev/null # the test signs in with its SSH key
fi
rm -rf "$dir/var/cache/apt/archives/"*.deb "$dir/var/lib/apt/lists/"*
tar -C "$dir" -cf "$out.partial" .
mv "$out.partial" "$out"
echo "$packages" >"$stamp"
rm -rf "$dir"
echo "rootfs: $out ($(du -sh "$out" | cut -f1))"
