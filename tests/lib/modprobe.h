/* SPDX-License-Identifier: MIT */
/*
 * Loading a kernel module in the guest with /bin/udt-modprobe
 * (tests/guest/udt-modprobe), which loads only the modules the runner
 * packed into the initramfs.
 */
#ifndef UDT_MODPROBE_H
#define UDT_MODPROBE_H

/*
 * udt-modprobe <args> ("NAME [PARAM=VALUE...]"): its exit status, 0 loaded
 * (or loaded before), 2 not packed into this initramfs, other values
 * failures; -1 when it could not be run.  TAP helper: on a failure other
 * than 2 the tool's output goes out as diag lines ("udt-modprobe: ...").
 */
int udt_modprobe(const char *args);

#endif /* UDT_MODPROBE_H */
