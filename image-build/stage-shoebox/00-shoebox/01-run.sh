#!/bin/bash -e
# pi-gen (on the build host): copy the Shoebox sources that install.sh needs into the image.
# This stage lives in the Shoebox repository (image-build/stage-shoebox/00-shoebox), and
# pi-gen runs this script from its own folder, so the repository is three levels up (of the
# real folder: the stage may be a symbolic link inside the pi-gen checkout).
here="$(pwd -P)"
repo="$(cd "${here}/../../.." && pwd)"
src="${ROOTFS_DIR}/tmp/shoebox-src"
[ -f "${repo}/pyproject.toml" ] || { echo "Shoebox repository not found at ${repo}" >&2; exit 1; }
rm -rf "${src}"
mkdir -p "${src}"
tar -C "${repo}" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
	-cf - pyproject.toml README.md appliance systemd image-build models | tar -C "${src}" -xf -
if [ -n "${SHOEBOX_WHEEL:-}" ]; then
	cp "${SHOEBOX_WHEEL}" "${src}/"
fi
