// SPDX-License-Identifier: GPL-2.0
/*
 * userdma_bench: the kernel side of `make bench`, a separate module that
 * uses userdma as any driver does.  It gives the benchmarks the baselines
 * user space cannot measure, through one ioctl on /dev/userdma-bench
 * (userdma_bench_uapi.h): the null ioctl, the kernel's own pin and map
 * primitives (RAW) and userdma's register path without its ioctl (REGION,
 * stage by stage from userdma's tracepoints), the copy path a
 * read()/write() driver takes (COPYPATH) and the kernel's copy routines
 * (KCOPY).
 *
 * Everything is done for one device, the one whose userdma node the bench
 * program uses, named by its PCI address (device=0000:00:03.0): the
 * primitives map for it, and its node's software engine is requested from
 * dmaengine like any provider's channel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bench_ops.h"

static char *device;
module_param(device, charp, 0444);
MODULE_PARM_DESC(device, "PCI address of the device whose userdma node is benchmarked, e.g. 0000:00:03.0");

static struct device *udma_bench_dev;

/* One op at a time: the stage clock is global. */
static DEFINE_MUTEX(udma_bench_lock);

static int udma_bench_op(struct userdma_bench *b)
{
	switch (b->op) {
	case USERDMA_BENCH_RAW:
	case USERDMA_BENCH_REGION:
		return udma_bench_pipeline(udma_bench_dev, b);
	case USERDMA_BENCH_COPYPATH:
		return udma_bench_copypath(udma_bench_dev, b);
	case USERDMA_BENCH_KCOPY:
		return udma_bench_kcopy(b);
	default:
		return -EINVAL;
	}
}

static long udma_bench_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct userdma_bench b;
	int ret;

	if (cmd != USERDMA_BENCH_IOC)
		return -ENOTTY;
	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	/* the null op stops here: one ioctl round trip with its copy-in */
	if (b.op == USERDMA_BENCH_NULL)
		return 0;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!b.iters || !b.length || b.flags & ~USERDMA_BENCH_STAGES ||
	    b.reserved)
		return -EINVAL;
	b.nents = 0;
	memset(b.ns, 0, sizeof(b.ns));

	if (mutex_lock_interruptible(&udma_bench_lock))
		return -EINTR;
	ret = udma_bench_op(&b);
	mutex_unlock(&udma_bench_lock);
	if (ret)
		return ret;
	return copy_to_user(uarg, &b, sizeof(b)) ? -EFAULT : 0;
}

static const struct file_operations udma_bench_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = udma_bench_ioctl,
};

static struct miscdevice udma_bench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "userdma-bench",
	.fops = &udma_bench_fops,
	.mode = 0600,
};

static int __init udma_bench_init(void)
{
	int ret;

	if (!device) {
		pr_err("no device= given (the PCI address of a userdma node's device)\n");
		return -EINVAL;
	}
	udma_bench_dev = bus_find_device_by_name(&pci_bus_type, NULL, device);
	if (!udma_bench_dev) {
		pr_err("no PCI device %s\n", device);
		return -ENODEV;
	}
	ret = misc_register(&udma_bench_misc);
	if (ret)
		put_device(udma_bench_dev);
	return ret;
}

static void __exit udma_bench_exit(void)
{
	misc_deregister(&udma_bench_misc);
	udma_bench_probe_exit();
	put_device(udma_bench_dev);
}

module_init(udma_bench_init);
module_exit(udma_bench_exit);
MODULE_DESCRIPTION("userdma benchmarks: raw primitives, stage times, copy path");
MODULE_LICENSE("GPL");
