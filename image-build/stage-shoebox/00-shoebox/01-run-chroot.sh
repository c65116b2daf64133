#!/bin/bash -e
# pi-gen (inside the image): install Shoebox like on an existing system, as the appliance:
# host name "shoebox", port 80 answered, Samba inbox share, camera support, and a disk
# labelled SHOEBOX used as the library when it is plugged in.
cd /tmp/shoebox-src
wheel=()
for file in shoebox_appliance-*.whl; do
	[ -f "${file}" ] && wheel=(--wheel "/tmp/shoebox-src/${file}")
done
image-build/install.sh --no-packages --no-start --hostname shoebox --port80 --samba \
	--library-disk "${wheel[@]}"
cd /
rm -rf /tmp/shoebox-src
