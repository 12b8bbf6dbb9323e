#!/bin/sh
# Copy the sources of the production userdma.ko into DEST: kernel/ without
# its test-only parts (kernel/test/), and the in-kernel API and UAPI
# headers.  DKMS packages, `make install-module` and the packaging tests
# take exactly this, so nothing test-only is ever installed or shipped.
#
#   scripts/module-sources.sh DEST
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
mkdir -p "$dest/kernel" "$dest/include/linux" "$dest/include/uapi/linux"
cp "$top/kernel/Kbuild" "$top/kernel/Makefile" "$top"/kernel/*.c "$top"/kernel/*.h \
	"$dest/kernel/"
cp "$top/include/linux/userdma.h" "$dest/include/linux/"
cp "$top/include/uapi/linux/userdma.h" "$dest/include/uapi/linux/"
