// SPDX-License-Identifier: GPL-2.0
/*
 * Device nodes: /dev/userdmaN, its sysfs class entry with live counters, a
 * debugfs table of regions, and what happens to open files when the bound
 * device goes away (their regions are unmapped and unpinned at once, and
 * every later ioctl fails with ENODEV).
 */
#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "engine.h"
#include "fault.h"
#include "node.h"
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
			  atomic_long_read(&to_node(dev)->stats.regions));
}
static DEVICE_ATTR_RO(regions);

static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->stats.pinned_pages));
}
static DEVICE_ATTR_RO(pinned_pages);

static ssize_t mapped_bytes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_node(dev)->stats.mapped_bytes));
}
static DEVICE_ATTR_RO(mapped_bytes);

static ssize_t allocated_pages_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->stats.allocated_pages));
}
static DEVICE_ATTR_RO(allocated_pages);

static ssize_t imported_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->stats.imported));
}
static DEVICE_ATTR_RO(imported);

static ssize_t exported_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(dev)->stats.exported));
}
static DEVICE_ATTR_RO(exported);

static ssize_t binding_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_node(dev)->binding);
}
static DEVICE_ATTR_RO(binding);

static struct attribute *udma_attrs[] = {
	&dev_attr_regions.attr,
	&dev_attr_pinned_pages.attr,
	&dev_attr_mapped_bytes.attr,
	&dev_attr_allocated_pages.attr,
	&dev_attr_imported.attr,
	&dev_attr_exported.attr,
	&dev_attr_binding.attr,
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

	static const char * const kind_name[] = {
		[UDMA_USER] = "user",
		[UDMA_CACHED] = "cached",
		[UDMA_COHERENT] = "coherent",
		[UDMA_IMPORT] = "import",
	};

	seq_puts(m, "handle pid addr length direction segments kind\n");
	mutex_lock(&node->files_lock);
	list_for_each_entry(uf, &node->files, link) {
		/* entries in the table hold a reference while xa_lock is held */
		xa_lock(&uf->regions);
		xa_for_each(&uf->regions, handle, r)
			seq_printf(m, "%lu %d 0x%lx %llu %s %u %s\n", handle,
				   r->owner, r->uaddr, r->length,
				   dir_name[r->dir], r->nr_segs,
				   kind_name[r->kind]);
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
	int ret = 0;

	uf = udma_fault(UDMA_FP_OPEN_ALLOC) ? NULL :
	     kzalloc(sizeof(*uf), GFP_KERNEL_ACCOUNT);
	if (!uf)
		return -ENOMEM;
	uf->node = node;
	xa_init_flags(&uf->regions, XA_FLAGS_ALLOC1);
	mutex_init(&uf->xfer_lock);

	down_read(&node->gone_lock);
	if (node->gone) {
		ret = -ENODEV;
	} else {
		get_device(&node->dev);
		mutex_lock(&node->files_lock);
		list_add(&uf->link, &node->files);
		mutex_unlock(&node->files_lock);
	}
	up_read(&node->gone_lock);
	if (ret) {
		kfree(uf);
		return ret;
	}
	file->private_data = uf;
	return nonseekable_open(inode, file);
}

void udma_file_release_regions(struct userdma_file *uf, bool revoke)
{
	struct userdma_region *r;
	unsigned long handle;

	/*
	 * Transfers were stopped first, so none is in flight; an UNREGISTER
	 * racing us takes each region at most once.
	 */
	xa_for_each(&uf->regions, handle, r) {
		r = udma_take(uf, handle);
		if (!WARN_ON_ONCE(IS_ERR(r)) && r)
			udma_handle_put(r, revoke);
	}
}

static int udma_release(struct inode *inode, struct file *file)
{
	struct userdma_file *uf = file->private_data;
	struct userdma_node *node = uf->node;

	mutex_lock(&node->files_lock);
	list_del(&uf->link);
	mutex_unlock(&node->files_lock);

	/* no DMA may touch a region once it is unmapped and unpinned */
	udma_xfer_stop(uf);
	udma_file_release_regions(uf, false);
	udma_xfer_free(uf);
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
				      const char *binding)
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
	node->binding = binding;
	init_rwsem(&node->gone_lock);
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

	cdev_init(&node->cdev, &udma_fops);
	node->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&node->cdev, &node->dev);
	if (ret)
		goto err_put;

	node->sw_engine = udma_sw_engine_create(dma_dev);
	if (IS_ERR(node->sw_engine)) {
		ret = PTR_ERR(node->sw_engine);
		node->sw_engine = NULL;
		goto err_del;
	}

	node->debugfs = debugfs_create_dir(dev_name(&node->dev),
					   udma_debugfs_root);
	debugfs_create_file("regions", 0400, node->debugfs, node,
			    &regions_table_fops);
	return node;

err_del:
	cdev_device_del(&node->cdev, &node->dev);
err_put:
	put_device(&node->dev);
	return ERR_PTR(ret);
}

void udma_node_destroy(struct userdma_node *node)
{
	struct userdma_file *uf;

	debugfs_remove_recursive(node->debugfs);
	cdev_device_del(&node->cdev, &node->dev);

	/* wait out ioctls in flight; later ones see gone and fail */
	down_write(&node->gone_lock);
	WRITE_ONCE(node->gone, true);	/* udma_mmap() reads it unlocked */
	up_write(&node->gone_lock);

	mutex_lock(&node->files_lock);
	list_for_each_entry(uf, &node->files, link) {
		udma_xfer_stop(uf);
		udma_file_release_regions(uf, true);
	}
	mutex_unlock(&node->files_lock);

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
