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
#include "devcaps.h"
#include "dmabuf.h"
#include "kinds.h"
#include "params.h"
#include "stage.h"

struct udma_import {
	struct userdma_region r;
	struct dma_buf *buf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
};

static struct udma_import *to_import(struct userdma_region *r)
{
	return container_of(r, struct udma_import, r);
}

/* The device's side (region.c, udma_region_detach). */
static void udma_import_detach(struct userdma_region *r)
{
	struct udma_import *im = to_import(r);

	udma_take_back(r);
	udma_dma_buf_unmap(im->attach, im->sgt, r->dir);
	dma_buf_detach(im->buf, im->attach);
	dma_buf_put(im->buf);
}

static const struct udma_kind udma_import_kind = {
	.name = "import",
	.stat = UDMA_STAT_IMPORTED,
	.foreign_table = true,
	.detach = udma_import_detach,
	.release = udma_uncharge,
};

/*
 * Our own dma-buf: the exporter keeps the record of who owns the bytes of
 * this mapping, and this handle's syncs keep it, so that unmapping copies
 * back only what the device was handed.
 */
static void udma_import_own(struct udma_import *im)
{
	struct udma_own *own = udma_export_own(im->attach);

	if (own) {
		udma_own_cpu(own, 0, im->r.length);
		im->r.ownp = own;
	}
}

/* The mapping as segments, all of the dma-buf. */
static int udma_import_segs(struct udma_import *im)
{
	struct userdma_seg *last;
	int ret;

	if (!im->sgt->nents)
		return -EIO;
	ret = udma_build_segs(&im->r, im->sgt);
	if (ret)
		return ret;
	last = &im->r.segs[im->r.nr_segs - 1];
	if (last->offset + last->length < im->r.length) {
		/* an exporter mapping less than its size would fault our DMA */
		udma_segs_free(&im->r);
		return -EIO;
	}
	return 0;
}

/* Device work: attach the node's device and map; ref entered. */
static int udma_import_map(struct udma_import *im)
{
	int ret;

	if (udma_should_fail(UDMA_FP_IMPORT_ATTACH))
		return -ENOMEM;
	im->attach = dma_buf_attach(im->buf, im->r.dev);
	if (IS_ERR(im->attach))
		return PTR_ERR(im->attach);
	if (udma_should_fail(UDMA_FP_IMPORT_MAP)) {
		ret = -ENOMEM;
		goto err_detach;
	}
	im->sgt = udma_dma_buf_map(im->attach, im->r.dir);
	if (IS_ERR(im->sgt)) {
		ret = PTR_ERR(im->sgt);
		goto err_detach;
	}
	ret = udma_import_segs(im);
	if (ret)
		goto err_unmap;
	udma_import_own(im);
	udma_track_init(&im->r);
	return 0;

err_unmap:
	udma_dma_buf_unmap(im->attach, im->sgt, im->r.dir);
err_detach:
	dma_buf_detach(im->buf, im->attach);
	return ret;
}

struct userdma_region *udma_import_create(struct udma_devref *ref, int fd,
					  enum dma_data_direction dir)
{
	struct udma_import *im;
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

	r = udma_region_alloc(sizeof(*im), &udma_import_kind, ref->dev, dir,
			      true);
	if (!r)
		return ERR_PTR(-ENOMEM);
	im = to_import(r);

	im->buf = dma_buf_get(fd);
	if (IS_ERR(im->buf)) {
		ret = PTR_ERR(im->buf);
		goto err_free;
	}
	r->length = im->buf->size;
	if (!r->length || r->length > (u64)udma_max_region_mb << 20) {
		ret = -E2BIG;
		goto err_put;
	}
	r->npages = DIV_ROUND_UP(r->length, PAGE_SIZE);
	ret = udma_charge(r);
	if (ret)
		goto err_put;

	ret = udma_devref_enter(ref);
	if (ret)
		goto err_uncharge;
	ret = udma_import_map(im);
	if (!ret)
		udma_region_link(r, ref);
	udma_devref_exit(ref);
	if (ret)
		goto err_uncharge;
	return r;

err_uncharge:
	udma_uncharge(r);
err_put:
	dma_buf_put(im->buf);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}
