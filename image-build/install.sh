#!/usr/bin/env bash
# Shoebox installer for an existing Raspberry Pi OS / Debian system (also run by the image
# build, inside the image). Safe to run again: files are replaced, nothing is duplicated,
# the settings file and the library are never overwritten. See image-build/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: install.sh [options]
  --prefix DIR      install into DIR as the root filesystem (same as DESTDIR=DIR); for
                    staging and tests: no packages, no services started
  --dry-run         print what would be done, change nothing
  --wheel FILE      the shoebox_appliance wheel to install (default: build one from this repo)
  --library DIR     library folder for a new settings file (default /srv/shoebox)
  --hostname NAME   set the host name (the UI is then at http://NAME.local)
  --library-disk    mount a disk labelled SHOEBOX at /srv/shoebox when present (fstab)
  --port80          also answer on port 80 (kernel redirect to the UI on 8080)
  --https           also answer HTTPS on port 443 (nginx, with the box's own certificate)
  --samba           install Samba and share the inbox (systemd/smb-shoebox-inbox.conf)
  --camera          install python3-picamera2 for `shoebox capture`
  --no-packages     do not install Debian packages
  --no-start        enable the services but do not (re)start them
Environment: DESTDIR (as --prefix), SHOEBOX_PYTHON (default python3), SHOEBOX_PIP_ARGS
(extra pip options, e.g. "--no-index --find-links DIR").
EOF
}

die() {
    echo "install.sh: $*" >&2
    exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
root=${DESTDIR:-}
dry=0
wheel=""
library=/srv/shoebox
hostname=""
port80=0
https=0
library_disk=0
samba=0
camera=0
packages=1
start=1
python=${SHOEBOX_PYTHON:-python3}
read -r -a pip_args <<<"${SHOEBOX_PIP_ARGS:-}"

while [ $# -gt 0 ]; do
    case $1 in
    --prefix) root=${2:?--prefix needs a folder}; shift ;;
    --prefix=*) root=${1#*=} ;;
    --dry-run) dry=1 ;;
    --wheel) wheel=${2:?--wheel needs a file}; shift ;;
    --library) library=${2:?--library needs a folder}; shift ;;
    --hostname) hostname=${2:?--hostname needs a name}; shift ;;
    --library-disk) library_disk=1 ;;
    --port80) port80=1 ;;
    --https) https=1 ;;
    --samba) samba=1 ;;
    --camera) camera=1 ;;
    --no-packages) packages=0 ;;
    --no-start) start=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

[ -z "$root" ] || root=$(realpath -m "$root")
case $library in /*) ;; *) die "--library must be an absolute path: $library" ;; esac
if [ -n "$hostname" ] && ! [[ $hostname =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; then
    die "--hostname must be lower-case letters, digits and dashes: $hostname"
fi
[ -z "$wheel" ] || [ -f "$wheel" ] || die "no such wheel: $wheel"
[ -d "$repo/systemd" ] || die "systemd/ not found beside image-build/ (run from the repo)"
if [ -n "$root" ]; then
    packages=0
    start=0
elif [ "$dry" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "run as root (or use --prefix DIR to stage into a folder, or --dry-run)"
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null ||
    die "$python is missing or older than Python 3.11"

opt=$root/opt/shoebox
etc=$root/etc

# Every change goes through these, so --dry-run prints exactly what a real run does.
run() {
    if [ "$dry" = 1 ]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

put() { # put MODE SOURCE DEST: copy one file (replacing it)
    [ -f "$2" ] || die "missing source file: $2"
    if [ "$dry" = 1 ]; then
        echo "would install: $3 (mode $1)"
    else
        install -D -m "$1" "$2" "$3"
    fi
}

put_text() { # put_text MODE DEST < content
    if [ "$dry" = 1 ]; then
        cat >/dev/null
        echo "would write: $2 (mode $1)"
    else
        mkdir -p "$(dirname "$2")"
        cat >"$2.tmp.$$"
        chmod "$1" "$2.tmp.$$"
        mv -f "$2.tmp.$$" "$2"
    fi
}

note() { echo "shoebox: $*"; }

# 1. Debian packages.
if [ "$packages" = 1 ]; then
    # ntfs-3g: NTFS drives where the kernel has no ntfs3 (Debian 12); exFAT, HFS+ are the kernel's
    want=(python3-venv avahi-daemon gphoto2 ntfs-3g libimage-exiftool-perl ffmpeg restic)
    if [ "$port80" = 1 ]; then want+=(nftables); fi
    if [ "$https" = 1 ]; then want+=(nginx); fi
    # the share's "vfs objects" (catia fruit streams_xattr) are in samba-vfs-modules, only a
    # Recommends of samba, which --no-install-recommends leaves out
    if [ "$samba" = 1 ]; then want+=(samba samba-vfs-modules); fi
    if [ "$camera" = 1 ]; then want+=(python3-picamera2); fi
    missing=()
    for pkg in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        note "Debian packages already installed: ${want[*]}" # e.g. an offline box
    else
        run apt-get update -q
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
fi

# 2. The Python environment in /opt/shoebox (sees apt's python3-picamera2 when installed).
if [ -x "$opt/bin/python" ] && "$opt/bin/python" -c '' 2>/dev/null; then
    note "reusing the environment in $opt"
else # new, or broken by an OS upgrade that replaced its Python: (re)create it
    run "$python" -m venv --clear --system-site-packages "$opt"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$wheel" ]; then
    run "$opt/bin/python" -m pip wheel -q --no-deps "${pip_args[@]}" -w "$tmp" "$repo"
    wheel=$(find "$tmp" -name 'shoebox_appliance-*.whl' -print -quit)
    [ "$dry" = 1 ] && wheel="(the wheel built from $repo)"
    [ -n "$wheel" ] || die "building the wheel from $repo produced nothing"
fi
run "$opt/bin/python" -m pip install -q --upgrade --force-reinstall --no-warn-script-location \
    "${pip_args[@]}" "$wheel"

# 3. Helpers, documentation and the unit sources (the units' Documentation= points here).
put 0755 "$repo/systemd/shoebox-mount-volume" "$opt/lib/shoebox-mount-volume"
put 0755 "$repo/systemd/shoebox-camera-share-apply" "$opt/lib/shoebox-camera-share-apply"
put 0755 "$here/files/shoebox-prepare" "$opt/lib/shoebox-prepare"
put 0644 "$here/files/shoebox-port80.nft" "$opt/lib/shoebox-port80.nft"
put 0644 "$here/README.md" "$opt/image-build/README.md"
while IFS= read -r -d '' file; do
    put 0644 "$file" "$opt/systemd/${file#"$repo/systemd/"}"
done < <(find "$repo/systemd" -type f ! -name shoebox-mount-volume ! -name shoebox-camera-share-apply \
    -print0 | sort -z)
# The models (the package finds them through SHOEBOX_MODELS_DIR), without build scripts.
while IFS= read -r -d '' file; do
    put 0644 "$file" "$opt/models/${file#"$repo/models/"}"
done < <(find "$repo/models" -type f ! -name '*.py' ! -name '*.txt' -print0 | sort -z)
put 0644 "$here/files/profile.sh" "$etc/profile.d/shoebox.sh"
run mkdir -p "$root/usr/local/bin"
run ln -sfn /opt/shoebox/bin/shoebox "$root/usr/local/bin/shoebox"

# 4. System integration: units, drop-ins, udev, users and folders, mDNS.
units=$etc/systemd/system
put 0644 "$repo/systemd/shoebox.service" "$units/shoebox.service"
put 0644 "$repo/systemd/shoebox-import@.service" "$units/shoebox-import@.service"
put 0644 "$repo/systemd/shoebox-import-camera.service" "$units/shoebox-import-camera.service"
put 0644 "$here/files/10-appliance.conf" "$units/shoebox.service.d/10-appliance.conf"
put 0644 "$here/files/10-models.conf" "$units/shoebox.service.d/10-models.conf"
put 0644 "$here/files/10-models.conf" "$units/shoebox-import@.service.d/10-models.conf"
put 0644 "$repo/systemd/udev/90-shoebox-usb.rules" "$etc/udev/rules.d/90-shoebox-usb.rules"
put 0644 "$repo/systemd/udev/91-shoebox-camera.rules" "$etc/udev/rules.d/91-shoebox-camera.rules"
put 0644 "$here/files/89-shoebox-library.rules" "$etc/udev/rules.d/89-shoebox-library.rules"
put 0644 "$here/files/shoebox-library-disk.service" "$units/shoebox-library-disk.service"
# The library's second copy (restic): the hourly check and the SHOEBOX-BACKUP disk.
for unit in shoebox-library-backup.service shoebox-library-backup.timer shoebox-backup-disk.service; do
    put 0644 "$repo/systemd/$unit" "$units/$unit"
done
put 0644 "$repo/systemd/udev/89-shoebox-backup-disk.rules" "$etc/udev/rules.d/89-shoebox-backup-disk.rules"
put 0644 "$repo/systemd/sysusers.d/shoebox.conf" "$root/usr/lib/sysusers.d/shoebox.conf"
put 0644 "$repo/systemd/tmpfiles.d/shoebox.conf" "$root/usr/lib/tmpfiles.d/shoebox.conf"
put 0644 "$here/avahi/shoebox.service" "$etc/avahi/services/shoebox.service"
enable=(shoebox.service)
if [ "$port80" = 1 ]; then
    put 0644 "$here/files/shoebox-port80.service" "$units/shoebox-port80.service"
    enable+=(shoebox-port80.service)
fi
if [ "$https" = 1 ]; then
    # nginx serves 443 with the certificates shoebox-certificate.service makes at boot;
    # Debian's own default site (a welcome page on port 80) is not wanted on the box.
    put 0644 "$repo/systemd/shoebox-certificate.service" "$units/shoebox-certificate.service"
    put 0644 "$here/files/nginx-shoebox.conf" "$etc/nginx/sites-available/shoebox"
    run mkdir -p "$etc/nginx/sites-enabled"
    run ln -sfn ../sites-available/shoebox "$etc/nginx/sites-enabled/shoebox"
    if [ -L "$etc/nginx/sites-enabled/default" ]; then
        run rm -f "$etc/nginx/sites-enabled/default"
    fi
    enable+=(shoebox-certificate.service) # nginx.service: enabled by its Debian package
fi
if [ "$library" != /srv/shoebox ]; then
    for unit in shoebox.service shoebox-import@.service shoebox-import-camera.service; do
        put_text 0644 "$units/$unit.d/20-library.conf" <<EOF
# Shoebox: the library lives outside /srv/shoebox (install.sh --library).
[Unit]
RequiresMountsFor=$library

[Service]
ReadWritePaths=$library
EOF
    done
fi

# 5. Settings: written once, never overwritten (they are the owner's from then on).
if [ -e "$etc/shoebox/shoebox.toml" ]; then
    note "keeping the existing settings $etc/shoebox/shoebox.toml"
else
    put_text 0644 "$etc/shoebox/shoebox.toml" <<EOF
# Shoebox settings (names and meaning: /opt/shoebox/image-build/README.md and the project
# README). Written once by install.sh; later installs never change this file.
[shoebox]
library = "$library"
inboxes = ["/srv/shoebox/inbox"]
# Listen on the home network; port 80 is redirected here when shoebox-port80 is enabled.
host = "0.0.0.0"
port = 8080
EOF
fi
if [ "$https" = 1 ] && ! grep -qs '^https_certificates' "$etc/shoebox/shoebox.toml"; then
    if [ "$dry" = 1 ]; then
        echo "would add https_certificates to $etc/shoebox/shoebox.toml"
    else
        printf '%s\n' "# HTTPS on port 443 (nginx): the Phones page offers the box's certificate authority." \
            'https_certificates = "/etc/shoebox/tls"' >>"$etc/shoebox/shoebox.toml"
    fi
fi
if [ "$library_disk" = 1 ] && ! grep -qs '^library_disk' "$etc/shoebox/shoebox.toml"; then
    run sh -c "printf '%s\n' '# The library is on a disk labelled SHOEBOX: wait for it, never use the SD card.' 'library_disk = true' >>'$etc/shoebox/shoebox.toml'"
fi

# 6. A library disk: the filesystem labelled SHOEBOX is mounted at /srv/shoebox whenever it
# appears (89-shoebox-library.rules starts srv-shoebox.mount; "noauto": boot never waits for
# it). The library is then required, not assumed: without the disk the service waits and
# says so, and nothing is created under the empty mount point (library_disk setting).
fstab_line="LABEL=SHOEBOX /srv/shoebox auto noauto,nofail,noatime 0 2"
if [ "$library_disk" = 1 ]; then
    if grep -qs '^LABEL=SHOEBOX[[:space:]]' "$etc/fstab"; then
        run sed -i -E "s|^LABEL=SHOEBOX[[:space:]].*|$fstab_line|" "$etc/fstab"
    else
        run sh -c "echo '$fstab_line' >>'$etc/fstab'"
    fi
    # The boot-time tmpfiles run must not make folders under the empty mount point.
    grep -v '^d /srv/shoebox' "$repo/systemd/tmpfiles.d/shoebox.conf" |
        put_text 0644 "$etc/tmpfiles.d/shoebox.conf"
    put 0644 "$here/files/30-library-disk.conf" "$units/shoebox.service.d/30-library-disk.conf"
    put 0644 "$here/files/srv-shoebox-lazy-unmount.conf" \
        "$units/srv-shoebox.mount.d/lazy-unmount.conf"
    run install -d -m 0755 "$root/srv/shoebox"
fi

# 7. Host name (the UI is at http://NAME.local through avahi-daemon).
if [ -n "$hostname" ]; then
    echo "$hostname" | put_text 0644 "$etc/hostname"
    if [ -f "$etc/hosts" ]; then
        run sed -i -E "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1\t$hostname/" "$etc/hosts"
        grep -q '^127\.0\.1\.1' "$etc/hosts" || run sh -c "printf '127.0.1.1\t%s\n' '$hostname' >>'$etc/hosts'"
    fi
    if [ -z "$root" ] && [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null; then
        run hostnamectl set-hostname "$hostname"
    fi
fi

# 8. Samba share of the inbox (an include line, added once), and its account set from the
# web UI (a path unit starts the root helper when the web service leaves a request).
if [ "$samba" = 1 ]; then
    put 0644 "$repo/systemd/shoebox-camera-share.path" "$units/shoebox-camera-share.path"
    put 0644 "$repo/systemd/shoebox-camera-share.service" "$units/shoebox-camera-share.service"
    enable+=(shoebox-camera-share.path)
    include="include = /opt/shoebox/systemd/smb-shoebox-inbox.conf"
    if [ ! -f "$etc/samba/smb.conf" ]; then
        note "no $etc/samba/smb.conf: share the inbox by hand (see systemd/smb-shoebox-inbox.conf)"
    elif ! grep -qxF "$include" "$etc/samba/smb.conf"; then
        run sh -c "printf '\n# Shoebox inbox share\n%s\n' '$include' >>'$etc/samba/smb.conf'"
    fi
fi

# 9. User, groups and folders; a library that exists already is never touched.
rootopt=()
[ -z "$root" ] || rootopt=(--root="$root")
run systemd-sysusers "${rootopt[@]}" "$root/usr/lib/sysusers.d/shoebox.conf"
if [ "$(id -u)" = 0 ]; then
    tmpfiles_conf=$root/usr/lib/tmpfiles.d/shoebox.conf
    [ "$library_disk" = 0 ] || tmpfiles_conf=$etc/tmpfiles.d/shoebox.conf # not on the SD card
    run systemd-tmpfiles "${rootopt[@]}" --create "$tmpfiles_conf"
else
    note "not root: skipping systemd-tmpfiles (folders and owners are made at boot)"
fi
if [ "$library_disk" = 1 ]; then
    note "library disk: the library is made on the disk labelled SHOEBOX when it is plugged in"
elif [ -e "$root$library" ]; then
    note "library $library exists: left as it is (it must be writable by user shoebox)"
else
    run install -d -m 0750 "$root$library"
    ids=$(awk -F: '$1 == "shoebox" { print $3 ":" $4 }' "$etc/passwd" 2>/dev/null || true)
    if [ "$(id -u)" = 0 ] && [ -n "$ids" ]; then
        run chown "$ids" "$root$library"
    fi
fi

# 10. Enable (and on a running system start) the services.
run systemctl "${rootopt[@]}" enable "${enable[@]}"
run systemctl "${rootopt[@]}" enable shoebox-library-backup.timer # library backups, hourly check
if [ "$start" = 1 ] && [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
    run udevadm control --reload
    run systemctl restart "${enable[@]}"
    run systemctl start shoebox-library-backup.timer
    run systemctl try-reload-or-restart avahi-daemon.service
    [ "$https" = 1 ] && run systemctl try-reload-or-restart nginx.service
    [ "$samba" = 1 ] && run systemctl try-reload-or-restart smbd.service
fi
if [ "$dry" = 1 ]; then
    note "dry run: nothing was changed"
else
    name=${hostname:-$(cat "$etc/hostname" 2>/dev/null || echo localhost)}
    note "installed into ${root:-/}; the UI will be at http://$name.local:8080/"
fi
