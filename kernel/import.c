// SPDX-License-Identifier: GPL-2.0
/*
 * Importing a dma-buf another driver exported (IMPORT): attach the node's
 * device to it and map it, and describe the mapping as segments like any
 * other region's.  The exporter keeps the CPU view (its mmap and
 * DMA_BUF_IOCTL_SYNC); SYNC here maintains this device's mapping, which a
 * bouncing device needs around each of its accesses.
 *
 * userdma attaches as a static importer: the exporter pins the buffer for
 * as long as it is mapped, which lasts until the handle is gone.
 */
#include <linux/dma-buf.h>
#include <linux/module.h>

#include "compat.h"
#include "fault.h"
#include "region.h"

struct userdma_region *udma_import_create(struct device *dev, int fd,
					  enum dma_data_direction dir,
					  struct userdma_stats *stats)
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
	if (udma_reach_limited(dev))
		return ERR_PTR(-EIO);

	r = udma_region_alloc(UDMA_IMPORT, dev, dir, stats);
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

	r->import_attach = udma_fault(UDMA_FP_IMPORT_ATTACH) ? ERR_PTR(-ENOMEM) :
			   dma_buf_attach(r->import_buf, dev);
	if (IS_ERR(r->import_attach)) {
		ret = PTR_ERR(r->import_attach);
		goto err_put;
	}
	r->import_sgt = udma_fault(UDMA_FP_IMPORT_MAP) ? ERR_PTR(-ENOMEM) :
			udma_dma_buf_map(r->import_attach, dir);
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
	if (r->segs[r->nr_segs - 1].offset + r->segs[r->nr_segs - 1].length <
	    r->length) {
		/* an exporter mapping less than its size would fault our DMA */
		ret = -EIO;
		goto err_free_segs;
	}

	udma_stats_add(stats, 1, 0, r->length);
	if (stats)
		atomic_long_inc(&stats->imported);
	return r;

err_free_segs:
	udma_segs_free(r);
err_unmap:
	udma_dma_buf_unmap(r->import_attach, r->import_sgt, dir);
err_detach:
	dma_buf_detach(r->import_buf, r->import_attach);
err_put:
	dma_buf_put(r->import_buf);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}

void udma_import_release(struct userdma_region *r)
{
	udma_segs_free(r);
	udma_dma_buf_unmap(r->import_attach, r->import_sgt, r->dir);
	dma_buf_detach(r->import_buf, r->import_attach);
	dma_buf_put(r->import_buf);
	udma_stats_add(r->stats, -1, 0, -(s64)r->length);
	if (r->stats)
		atomic_long_dec(&r->stats->imported);
}
