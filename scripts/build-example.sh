#!/bin/bash
# Build the example driver (examples/kernel, edu_zc.ko) against one
# installed kernel, after userdma.ko was built for it (make module):
#   scripts/build-example.sh KVER      prints the path of edu_zc.ko
exec bash "$(dirname "$0")/build-client.sh" examples/kernel "$@"
