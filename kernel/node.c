// SPDX-License-Identifier: GPL-2.0
/*
 * Device nodes: /dev/userdmaN, its sysfs class entry with live counters, a
 * debugfs table of regions, and the order of things when the last file
 * closes or the bound device goes away.
 *
 * Last close: the file's transfers stop, the device stops mastering the
 * bus (and is reset if asked), and only then are its regions released.
 * Device removal: new device work is refused, every file's transfers
 * stop, every file's handles are released, every region still holding
 * the device (kept by a dma-buf or a mapping) is revoked (devref.c) and
 * the removal waits for regions being released elsewhere; every later
 * ioctl fails with ENODEV.
 */
#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "engine.h"
#include "fault.h"
#include "handle.h"
#include "ioctl.h"
#include "node.h"
#include "region.h"
#include "xfer.h"

#define UDMA_MAX_NODES	256

static dev_t udma_devt;
static DEFINE_IDA(udma_minors);
static struct dentry *udma_debugfs_root;

static struct userdma_node *to_node(struct device *dev)
{
	return container_of(dev, struct userdma_node, dev);
}

static ssize_t regions_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->ref.stats.regions));
}
static DEVICE_ATTR_RO(regions);

static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->ref.stats.pinned_pages));
}
static DEVICE_ATTR_RO(pinned_pages);

static ssize_t mapped_bytes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_node(dev)->ref.stats.mapped_bytes));
}
static DEVICE_ATTR_RO(mapped_bytes);

static ssize_t allocated_pages_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->ref.stats.allocated_pages));
}
static DEVICE_ATTR_RO(allocated_pages);

static ssize_t imported_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->ref.stats.imported));
}
static DEVICE_ATTR_RO(imported);

static ssize_t exported_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->ref.stats.exported));
}
static DEVICE_ATTR_RO(exported);

static ssize_t binding_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_node(dev)->ref.binding);
}
static DEVICE_ATTR_RO(binding);

static ssize_t reset_on_release_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_node(dev)->reset_on_release));
}

/* A reset at the last close, for devices that have one (EOPNOTSUPP). */
static ssize_t reset_on_release_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	struct userdma_node *node = to_node(dev);
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	if (on && !(node->ops && node->ops->can_reset &&
		    node->ops->can_reset(node->dma_dev)))
		return -EOPNOTSUPP;
	mutex_lock(&node->files_lock);
	node->reset_on_release = on;
	mutex_unlock(&node->files_lock);
	return len;
}
static DEVICE_ATTR_RW(reset_on_release);

static struct attribute *udma_attrs[] = {
	&dev_attr_regions.attr,
	&dev_attr_pinned_pages.attr,
	&dev_attr_mapped_bytes.attr,
	&dev_attr_allocated_pages.attr,
	&dev_attr_imported.attr,
	&dev_attr_exported.attr,
	&dev_attr_binding.attr,
	&dev_attr_reset_on_release.attr,
	NULL
};
ATTRIBUTE_GROUPS(udma);

static struct class udma_class = {
	.name = "userdma",
	.dev_groups = udma_groups,
};

static int regions_table_show(struct seq_file *m, void *unused)
{
	struct userdma_node *node = m->private;
	static const char * const dir_name[] = {
		[DMA_BIDIRECTIONAL] = "bidirectional",
		[DMA_TO_DEVICE] = "to_device",
		[DMA_FROM_DEVICE] = "from_device",
	};
	struct userdma_file *uf;
	struct userdma_region *r;
	unsigned long handle;

	seq_puts(m, "handle pid addr length direction segments kind\n");
	mutex_lock(&node->files_lock);
	list_for_each_entry(uf, &node->files, link) {
		/* entries in the table hold a reference while xa_lock is held */
		xa_lock(&uf->regions);
		xa_for_each(&uf->regions, handle, r)
			seq_printf(m, "%lu %d 0x%lx %llu %s %u %s\n", handle,
				   r->owner, r->uaddr, r->length,
				   dir_name[r->dir], r->nr_segs,
				   r->kind->name);
		xa_unlock(&uf->regions);
	}
	mutex_unlock(&node->files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regions_table);

static int udma_open(struct inode *inode, struct file *file)
{
	struct userdma_node *node = container_of(inode->i_cdev,
						 struct userdma_node, cdev);
	struct userdma_file *uf;
	int ret;

	if (udma_should_fail(UDMA_FP_OPEN_ALLOC))
		return -ENOMEM;
	uf = kzalloc(sizeof(*uf), GFP_KERNEL_ACCOUNT);
	if (!uf)
		return -ENOMEM;
	uf->node = node;
	uf->ref = &node->ref;
	xa_init_flags(&uf->regions, XA_FLAGS_ALLOC1);
	mutex_init(&uf->xfer_lock);
	init_waitqueue_head(&uf->wq);

	/*
	 * The removal marks the device gone before it walks the files under
	 * files_lock: a file added here before that walk is stopped by it,
	 * one added after it sees gone.  The first open lets the device
	 * master the bus again.
	 */
	mutex_lock(&node->files_lock);
	ret = udma_devref_gone(&node->ref) ? -ENODEV : 0;
	if (!ret) {
		if (!node->nr_open++ && node->ops)
			node->ops->activate(node->dma_dev);
		list_add(&uf->link, &node->files);
		get_device(&node->dev);
	}
	mutex_unlock(&node->files_lock);
	if (ret) {
		kfree(uf);
		return ret;
	}
	file->private_data = uf;
	return nonseekable_open(inode, file);
}

/*
 * The file stays on the node's list until it is done with the device, so
 * that a removal racing the close finds and waits for what it holds.
 */
static int udma_release(struct inode *inode, struct file *file)
{
	struct userdma_file *uf = file->private_data;
	struct userdma_node *node = uf->node;

	/* no DMA may touch a region once it is unmapped and unpinned */
	udma_xfer_stop(uf);
	mutex_lock(&node->files_lock);
	if (!--node->nr_open && node->ops && !udma_devref_gone(&node->ref))
		node->ops->quiesce(node->dma_dev, node->reset_on_release);
	mutex_unlock(&node->files_lock);
	udma_file_release_regions(uf);
	udma_xfer_free(uf);

	mutex_lock(&node->files_lock);
	list_del(&uf->link);
	mutex_unlock(&node->files_lock);
	xa_destroy(&uf->regions);
	kfree(uf);
	put_device(&node->dev);
	return 0;
}

static ssize_t udma_read(struct file *file, char __user *buf, size_t len,
			 loff_t *ppos)
{
	return udma_xfer_read(file->private_data, buf, len,
			      file->f_flags & O_NONBLOCK);
}

static __poll_t udma_poll(struct file *file, poll_table *wait)
{
	return udma_xfer_poll(file->private_data, file, wait);
}

static const struct file_operations udma_fops = {
	.owner		= THIS_MODULE,
	.open		= udma_open,
	.release	= udma_release,
	.read		= udma_read,
	.poll		= udma_poll,
	.mmap		= udma_mmap,
	.unlocked_ioctl	= udma_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static void udma_node_free(struct device *dev)
{
	struct userdma_node *node = to_node(dev);

	put_device(node->dma_dev);
	ida_free(&udma_minors, MINOR(dev->devt));
	kfree(node);
}

struct userdma_node *udma_node_create(struct device *dma_dev,
				      const char *binding,
				      const struct udma_node_ops *ops)
{
	struct userdma_node *node;
	int minor, ret;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);

	minor = ida_alloc_max(&udma_minors, UDMA_MAX_NODES - 1, GFP_KERNEL);
	if (minor < 0) {
		kfree(node);
		return ERR_PTR(minor);
	}

	node->dma_dev = get_device(dma_dev);
	node->ops = ops;
	udma_devref_init(&node->ref, dma_dev, binding);
	mutex_init(&node->files_lock);
	INIT_LIST_HEAD(&node->files);

	/* from here on, put_device() frees the node and its minor */
	device_initialize(&node->dev);
	node->dev.class = &udma_class;
	node->dev.parent = dma_dev;
	node->dev.devt = MKDEV(MAJOR(udma_devt), minor);
	node->dev.release = udma_node_free;
	ret = dev_set_name(&node->dev, "userdma%d", minor);
	if (ret)
		goto err_put;

	/* whatever an open file may ask for exists before the node does */
	node->sw_engine = udma_sw_engine_create(dma_dev);
	if (IS_ERR(node->sw_engine)) {
		ret = PTR_ERR(node->sw_engine);
		node->sw_engine = NULL;
		goto err_put;
	}

	cdev_init(&node->cdev, &udma_fops);
	node->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&node->cdev, &node->dev);
	if (ret)
		goto err_engine;

	node->debugfs = debugfs_create_dir(dev_name(&node->dev),
					   udma_debugfs_root);
	debugfs_create_file("regions", 0400, node->debugfs, node,
			    &regions_table_fops);
	return node;

err_engine:
	udma_engine_destroy(node->sw_engine);
err_put:
	put_device(&node->dev);
	return ERR_PTR(ret);
}

void udma_node_destroy(struct userdma_node *node)
{
	struct userdma_file *uf;

	debugfs_remove_recursive(node->debugfs);
	cdev_device_del(&node->cdev, &node->dev);

	/* device work in progress finishes; nothing new starts */
	udma_devref_kill(&node->ref);
	/*
	 * Transfers first: no engine may touch a region once it is revoked.
	 * Then the open files' handles go (their pins with them, unless a
	 * dma-buf or a mapping still holds the memory), and whatever is left
	 * is revoked.
	 */
	mutex_lock(&node->files_lock);
	list_for_each_entry(uf, &node->files, link) {
		udma_xfer_stop(uf);
		wake_up_all(&uf->wq);
	}
	list_for_each_entry(uf, &node->files, link)
		udma_file_release_regions(uf);
	mutex_unlock(&node->files_lock);
	udma_devref_revoke(&node->ref);

	udma_engine_destroy(node->sw_engine);
	put_device(&node->dev);
}

int udma_nodes_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&udma_devt, 0, UDMA_MAX_NODES, "userdma");
	if (ret)
		return ret;
	ret = class_register(&udma_class);
	if (ret) {
		unregister_chrdev_region(udma_devt, UDMA_MAX_NODES);
		return ret;
	}
	udma_debugfs_root = debugfs_create_dir("userdma", NULL);
	udma_fault_init(udma_debugfs_root);
	return 0;
}

void udma_nodes_exit(void)
{
	debugfs_remove_recursive(udma_debugfs_root);
	class_unregister(&udma_class);
	unregister_chrdev_region(udma_devt, UDMA_MAX_NODES);
}
