#!/bin/bash -e
# pi-gen (inside the image): install Shoebox like on an existing system, as the appliance:
# host name "shoebox", port 80 answered, HTTPS on 443, Samba inbox share, and a disk labelled SHOEBOX
# used as the library when it is plugged in. A wheel copied by 01-run.sh is used if present.
cd /tmp/shoebox-src
wheel=()
for file in shoebox_appliance-*.whl; do
	if [ -f "${file}" ]; then
		wheel=(--wheel "/tmp/shoebox-src/${file}")
	fi
done
image-build/install.sh --no-packages --no-start --hostname shoebox --port80 --https --samba \
	--library-disk "${wheel[@]}"
cd /
rm -rf /tmp/shoebox-src
