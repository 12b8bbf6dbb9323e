/* SPDX-License-Identifier: MIT */
/*
 * vgem, the virtual GEM driver, as a dma-buf importer and exporter that
 * userdma did not write: finding its DRM device, PRIME import and export
 * of GEM handles, and CPU mappings of its dumb buffers.  Like the udt_*
 * wrappers of util.h they return 0 or -errno and never print.  Loading it
 * is udt_modprobe("vgem") (modprobe.h).
 */
#ifndef UDT_VGEM_H
#define UDT_VGEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The DRM device of driver "vgem" (a primary node /dev/dri/cardN): the
 * open fd with its path in dev (len bytes; dev may be NULL), or -ENODEV.
 */
int vgem_open(char *dev, size_t len);
/* DRM_IOCTL_GEM_CLOSE of GEM handle gh on dri. */
int gem_close(int dri, uint32_t gh);
/* PRIME_FD_TO_HANDLE: dri imports dma-buf dfd, *gh its GEM handle. */
int prime_to_handle(int dri, int dfd, uint32_t *gh);
/* PRIME_HANDLE_TO_FD (DRM_CLOEXEC | DRM_RDWR): *dfd the dma-buf of gh. */
int prime_to_fd(int dri, uint32_t gh, int *dfd);
/* MAP_DUMB and a PROT_READ|PROT_WRITE MAP_SHARED mmap of len bytes of gh. */
int gem_map(int dri, uint32_t gh, size_t len, uint8_t **map);

#endif /* UDT_VGEM_H */
