// SPDX-License-Identifier: GPL-2.0
/*
 * Importing a dma-buf another driver exported (IMPORT): attach the node's
 * device to it and map it, and describe the mapping as segments like any
 * other region's.  The exporter keeps the CPU view (its mmap and
 * DMA_BUF_IOCTL_SYNC); SYNC here maintains this device's mapping, which a
 * bouncing device needs around each of its accesses.
 *
 * userdma attaches as a static importer: the exporter pins the buffer for
 * as long as it is mapped, which lasts until the handle is gone or the
 * node's device goes.  The exporter's memory is charged to the importer's
 * locked memory, like a registration: the mapping holds it (and, with
 * bounce buffers, a share of the system's bounce pool).
 */
#include <linux/dma-buf.h>
#include <linux/module.h>

#include "compat.h"
#include "fault.h"
#include "region.h"

/* Device work: attach the node's device to the dma-buf and map it. */
static int udma_import_map(struct userdma_region *r)
{
	struct userdma_seg *last;
	struct udma_own *own;
	int ret;

	r->import_attach = udma_fault(UDMA_FP_IMPORT_ATTACH) ? ERR_PTR(-ENOMEM) :
			   dma_buf_attach(r->import_buf, r->dev);
	if (IS_ERR(r->import_attach))
		return PTR_ERR(r->import_attach);
	r->import_sgt = udma_fault(UDMA_FP_IMPORT_MAP) ? ERR_PTR(-ENOMEM) :
			udma_dma_buf_map(r->import_attach, r->dir);
	if (IS_ERR(r->import_sgt)) {
		ret = PTR_ERR(r->import_sgt);
		goto err_detach;
	}
	if (!r->import_sgt->nents) {
		ret = -EIO;
		goto err_unmap;
	}
	ret = udma_build_segs(r, r->import_sgt);
	if (ret)
		goto err_unmap;
	last = &r->segs[r->nr_segs - 1];
	if (last->offset + last->length < r->length) {
		/* an exporter mapping less than its size would fault our DMA */
		ret = -EIO;
		goto err_free_segs;
	}
	/*
	 * Our own dma-buf: the exporter keeps the record of who owns the
	 * bytes of this mapping, and this handle's syncs keep it, so that
	 * unmapping copies back only what the device was handed.
	 */
	own = udma_export_own(r->import_attach);
	if (own) {
		udma_own_cpu(own, 0, r->length);
		r->ownp = own;
	}
	udma_track_init(r);
	return 0;

err_free_segs:
	udma_segs_free(r);
err_unmap:
	udma_dma_buf_unmap(r->import_attach, r->import_sgt, r->dir);
err_detach:
	dma_buf_detach(r->import_buf, r->import_attach);
	return ret;
}

struct userdma_region *udma_import_create(struct udma_devref *ref, int fd,
					  enum dma_data_direction dir)
{
	struct userdma_region *r;
	int ret;

	if (!udma_dir_valid(dir))
		return ERR_PTR(-EINVAL);
	/*
	 * The exporter maps for our device itself: with no IOMMU and a
	 * narrow mask it could need bounce slots out of reach, which the DMA
	 * layer answers with a warning (see udma_check_reach()).
	 */
	if (udma_reach_limited(ref->dev))
		return ERR_PTR(-EIO);

	r = udma_region_alloc(UDMA_IMPORT, ref->dev, dir, true);
	if (!r)
		return ERR_PTR(-ENOMEM);

	r->import_buf = dma_buf_get(fd);
	if (IS_ERR(r->import_buf)) {
		ret = PTR_ERR(r->import_buf);
		goto err_free;
	}
	r->length = r->import_buf->size;
	if (!r->length || r->length > (u64)udma_max_region_mb << 20) {
		ret = -E2BIG;
		goto err_put;
	}
	/* the exporter's memory (and bounce slots for it) is held for us */
	r->npages = DIV_ROUND_UP(r->length, PAGE_SIZE);
	ret = udma_charge(r);
	if (ret)
		goto err_put;

	ret = udma_devref_enter(ref);
	if (ret)
		goto err_uncharge;
	ret = udma_import_map(r);
	if (ret)
		goto err_exit;
	udma_devref_add(ref, r);
	udma_devref_exit(ref);
	return r;

err_exit:
	udma_devref_exit(ref);
err_uncharge:
	udma_uncharge(r);
err_put:
	dma_buf_put(r->import_buf);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}

/* The device's side (region.c, udma_region_detach). */
void udma_import_detach(struct userdma_region *r)
{
	udma_take_back(r);
	udma_dma_buf_unmap(r->import_attach, r->import_sgt, r->dir);
	dma_buf_detach(r->import_buf, r->import_attach);
	dma_buf_put(r->import_buf);
}
