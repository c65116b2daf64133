#!/usr/bin/env bash
# Install the Debian packages Shoebox needs that a fresh machine may lack.
#   scripts/bootstrap.sh run    what `make run` needs (python3-venv, libimage-exiftool-perl,
#                               ffmpeg)
#   scripts/bootstrap.sh test   plus what the tests need (headless Chromium, systemd-analyze,
#                               the shellcheck linter, xmllint, nft for the appliance image checks,
#                               gphoto2 for the camera import, PostgreSQL for the second
#                               catalogue backend, unzip for the downloaded zips,
#                               avahi-daemon for its service DTD, restic and
#                               openssh-server for the library backups, rclone and
#                               nextcloudcmd as phones' WebDAV backup clients, nginx
#                               for the appliance's HTTPS)
#   scripts/bootstrap.sh appliance  plus debootstrap, QEMU, mtools, smbclient, rclone for
#                               `make test-appliance`
# Packages already present are not touched; nothing is installed when all are there.
set -euo pipefail

want=()
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
# ExifTool reads every file's metadata (runtime dependency)
command -v exiftool >/dev/null 2>&1 || want+=(libimage-exiftool-perl)
# ffmpeg/ffprobe: video poster frames, stream facts and transcodes (runtime dependency)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || want+=(ffmpeg)
if [ "${1:-run}" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  command -v systemd-analyze >/dev/null 2>&1 || want+=(systemd)
  command -v shellcheck >/dev/null 2>&1 || want+=(shellcheck)
  command -v xmllint >/dev/null 2>&1 || want+=(libxml2-utils)
  command -v nft >/dev/null 2>&1 || want+=(nftables)
  command -v gphoto2 >/dev/null 2>&1 || want+=(gphoto2)
  # unzip -t checks the zips Shoebox streams (downloads, share links)
  command -v unzip >/dev/null 2>&1 || want+=(unzip)
  # the DTD the image's avahi service file is validated against (only the DTD is used)
  [ -e /usr/share/avahi/avahi-service.dtd ] || want+=(avahi-daemon)
  # the library backups: the real restic, and a real sshd for the SFTP target
  command -v restic >/dev/null 2>&1 || want+=(restic)
  # phone backup: the real rclone as a WebDAV backup client
  command -v rclone >/dev/null 2>&1 || want+=(rclone)
  # ... and Nextcloud's own sync client
  command -v nextcloudcmd >/dev/null 2>&1 || want+=(nextcloud-desktop-cmd)
  # ... over HTTPS through the appliance's own nginx site
  [ -x /usr/sbin/nginx ] || want+=(nginx)
  [ -x /usr/sbin/sshd ] || want+=(openssh-server)
  # a throwaway PostgreSQL cluster: the catalogue tests run against both backends
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || want+=(postgresql)
  # fonts so that screenshots of the UI render text
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || want+=(fonts-dejavu-core)
fi
if [ "${1:-run}" = "appliance" ]; then # make test-appliance: build and boot a Debian VM
  command -v debootstrap >/dev/null 2>&1 || want+=(debootstrap)
  command -v qemu-system-x86_64 >/dev/null 2>&1 || want+=(qemu-system-x86)
  command -v mcopy >/dev/null 2>&1 || want+=(mtools)
  command -v mkfs.fat >/dev/null 2>&1 || want+=(dosfstools)
  command -v ssh >/dev/null 2>&1 || want+=(openssh-client)
  command -v smbclient >/dev/null 2>&1 || want+=(smbclient)  # a computer using the share
  command -v rclone >/dev/null 2>&1 || want+=(rclone)  # a phone's backup app over HTTPS
  command -v qemu-aarch64-static >/dev/null 2>&1 || want+=(qemu-user-static binfmt-support)
  # the arm64 image boot (tests/system/boot_arm64_image.py): qemu-system-aarch64 -M virt
  command -v qemu-system-aarch64 >/dev/null 2>&1 || want+=(qemu-system-arm)
fi
[ ${#want[@]} -eq 0 ] && exit 0

echo "shoebox: installing Debian packages: ${want[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "shoebox: need root (or sudo) to install: ${want[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${want[@]}"
