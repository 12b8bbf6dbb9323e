// SPDX-License-Identifier: GPL-2.0
/*
 * edu_zc: an example of a driver built on userdma's in-kernel API.
 *
 * It drives QEMU's edu device (bound through driver_override) and gives
 * its users a character device, /dev/edu-zc-<pci address>, whose write()
 * and read() move bytes between the caller's buffer and the device's
 * 4 KiB memory with the device's own DMA engine: no bounce through a
 * kernel buffer, no copy_from_user().  userdma pins and maps the caller's
 * buffer; this driver only programs the engine from the segment list.
 *
 * File offsets are offsets in the device memory, as with a small disk.
 */
#include <linux/fs.h>
#include <linux/iopoll.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/userdma.h>
#include <qemu/edu.h>

/* the device memory, less the byte no single command may end on */
#define EDU_ZC_SIZE		EDU_MAX_XFER

static int dma_bits = 28;
module_param(dma_bits, int, 0444);
MODULE_PARM_DESC(dma_bits, "DMA address bits of the edu engine (QEMU's dma_mask property; default 28)");

struct edu_zc {
	struct kref ref;		/* the PCI binding and each open file */
	struct mutex lock;		/* the engine runs one command at a time */
	struct pci_dev *pdev;		/* NULL once unbound; under lock */
	void __iomem *bar;
	struct miscdevice misc;
	char name[32];
};

static void edu_zc_free(struct kref *ref)
{
	kfree(container_of(ref, struct edu_zc, ref));
}

/* One DMA command, polled: a synchronous read() needs no interrupt. */
static int edu_zc_dma(struct edu_zc *z, u64 src, u64 dst, u64 len, u64 cmd)
{
	u64 v;

	writeq(src, z->bar + EDU_REG_DMA_SRC);
	writeq(dst, z->bar + EDU_REG_DMA_DST);
	writeq(len, z->bar + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_RUN, z->bar + EDU_REG_DMA_CMD);
	/* QEMU's engine takes 100 ms per command in real time */
	return readq_poll_timeout(z->bar + EDU_REG_DMA_CMD, v,
				  !(v & EDU_DMA_RUN), 1000, 5 * USEC_PER_SEC);
}

/* Move [pos, pos + len) of the device memory to or from the user buffer. */
static ssize_t edu_zc_xfer(struct edu_zc *z, unsigned long ubuf, size_t len,
			   loff_t pos, bool to_dev)
{
	const struct userdma_seg *seg;
	struct userdma_region *r;
	unsigned int i, nr;
	u64 dev;
	int ret = 0;

	/*
	 * Pinning faults the pages in and may sleep: the caller's buffer
	 * must stay valid until userdma_unregister(), which is before we
	 * return.  The direction decides whether the pages become dirty.
	 */
	r = userdma_register(&z->pdev->dev, ubuf, len,
			     to_dev ? DMA_TO_DEVICE : DMA_FROM_DEVICE);
	if (IS_ERR(r))
		return PTR_ERR(r);
	/*
	 * Registration already synced the whole range for the device; a
	 * driver that keeps a region across requests syncs before each one.
	 */
	if (to_dev)
		userdma_sync_for_device(r, 0, len);
	seg = userdma_segments(r, &nr);
	for (i = 0; i < nr && !ret; i++) {
		dev = EDU_BUF_ADDR + pos + seg[i].offset;
		if (to_dev)
			ret = edu_zc_dma(z, seg[i].addr, dev, seg[i].length, 0);
		else
			ret = edu_zc_dma(z, dev, seg[i].addr, seg[i].length,
					 EDU_DMA_TO_RAM);
	}
	if (ret) {
		/*
		 * The engine may still be writing into these pages: keeping
		 * them pinned and mapped is the only safe thing left.
		 */
		dev_err(&z->pdev->dev, "DMA did not finish; region leaked\n");
		return ret;
	}
	/* before the CPU (the caller) looks at what the device wrote */
	if (!to_dev)
		userdma_sync_for_cpu(r, 0, len);
	userdma_unregister(r);
	return len;
}

static ssize_t edu_zc_rw(struct file *f, unsigned long ubuf, size_t len,
			 loff_t *ppos, bool to_dev)
{
	struct edu_zc *z = f->private_data;
	loff_t pos = *ppos;
	ssize_t ret;

	if (pos < 0)
		return -EINVAL;
	if (pos >= EDU_ZC_SIZE)
		return to_dev ? -ENOSPC : 0;
	if (!len)
		return 0;
	len = min_t(size_t, len, EDU_ZC_SIZE - pos);

	mutex_lock(&z->lock);
	ret = z->pdev ? edu_zc_xfer(z, ubuf, len, pos, to_dev) : -ENODEV;
	mutex_unlock(&z->lock);
	if (ret > 0)
		*ppos = pos + ret;
	return ret;
}

static ssize_t edu_zc_read(struct file *f, char __user *buf, size_t len,
			   loff_t *ppos)
{
	return edu_zc_rw(f, (unsigned long)buf, len, ppos, false);
}

static ssize_t edu_zc_write(struct file *f, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	return edu_zc_rw(f, (unsigned long)buf, len, ppos, true);
}

static loff_t edu_zc_llseek(struct file *f, loff_t off, int whence)
{
	return fixed_size_llseek(f, off, whence, EDU_ZC_SIZE);
}

/* misc_open() left the miscdevice in private_data; keep the state alive */
static int edu_zc_open(struct inode *inode, struct file *f)
{
	struct edu_zc *z = container_of(f->private_data, struct edu_zc, misc);

	kref_get(&z->ref);
	f->private_data = z;
	return 0;
}

static int edu_zc_release(struct inode *inode, struct file *f)
{
	struct edu_zc *z = f->private_data;

	kref_put(&z->ref, edu_zc_free);
	return 0;
}

static const struct file_operations edu_zc_fops = {
	.owner		= THIS_MODULE,
	.open		= edu_zc_open,
	.release	= edu_zc_release,
	.read		= edu_zc_read,
	.write		= edu_zc_write,
	.llseek		= edu_zc_llseek,
};

static int edu_zc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_zc *z;
	int ret;

	/* driver_override can point any device here */
	if (pdev->vendor != EDU_PCI_VENDOR || pdev->device != EDU_PCI_DEVICE)
		return -ENODEV;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(dma_bits));
	if (ret)
		return ret;
	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (!z)
		return -ENOMEM;
	kref_init(&z->ref);
	mutex_init(&z->lock);
	z->pdev = pdev;
	z->bar = pcim_iomap(pdev, 0, 0);
	if (!z->bar) {
		ret = -ENOMEM;
		goto err_free;
	}
	snprintf(z->name, sizeof(z->name), "edu-zc-%s", pci_name(pdev));
	z->misc.minor = MISC_DYNAMIC_MINOR;
	z->misc.name = z->name;
	z->misc.fops = &edu_zc_fops;
	z->misc.parent = &pdev->dev;
	pci_set_master(pdev);
	ret = misc_register(&z->misc);
	if (ret)
		goto err_master;
	pci_set_drvdata(pdev, z);
	return 0;

err_master:
	pci_clear_master(pdev);
err_free:
	kref_put(&z->ref, edu_zc_free);
	return ret;
}

static void edu_zc_remove(struct pci_dev *pdev)
{
	struct edu_zc *z = pci_get_drvdata(pdev);

	misc_deregister(&z->misc);
	/* files still open now fail with ENODEV; the BAR goes after us */
	mutex_lock(&z->lock);
	z->pdev = NULL;
	mutex_unlock(&z->lock);
	pci_clear_master(pdev);
	kref_put(&z->ref, edu_zc_free);
}

/* No IDs: userdma claims edu devices; this driver is chosen per device. */
static const struct pci_device_id edu_zc_ids[] = {
	{ }
};

static struct pci_driver edu_zc_driver = {
	.name		= "edu_zc",
	.id_table	= edu_zc_ids,
	.probe		= edu_zc_probe,
	.remove		= edu_zc_remove,
};
module_pci_driver(edu_zc_driver);

MODULE_DESCRIPTION("Example: zero-copy read/write through the edu DMA engine with userdma");
MODULE_LICENSE("GPL");
