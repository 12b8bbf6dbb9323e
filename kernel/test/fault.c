// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection, built only with USERDMA_FAULT=y (fault.h lists the
 * points).  One point at a time is armed through debugfs:
 *
 *   /sys/kernel/debug/userdma/fault/point   write a point's name ("none"
 *                                           disarms); reads it back
 *   .../nth     write N: arm; the Nth hit of the point from now fails
 *   .../times   how many hits fail from the Nth on (default 1)
 *   .../hits    hits of the armed point since it was armed
 *   .../fired   failures injected since it was armed
 *   .../list    every point with its hits since the module was loaded
 *
 * The state is global, not per open file: a test arms a point, runs one
 * operation and reads hits and fired back.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fault.h"

static const char * const udma_fault_names[UDMA_FP_NR] = {
#define UDMA_FAULT_POINT(point, name, where)[UDMA_FP_##point] = #name,
#include "fault_points.h"
#undef UDMA_FAULT_POINT
};

static atomic_long_t udma_fault_total[UDMA_FP_NR];

static DEFINE_SPINLOCK(udma_fault_lock);	/* everything below */
static int udma_fault_point = -1;		/* -1: nothing selected */
static bool udma_fault_armed;
static u64 udma_fault_nth, udma_fault_times = 1;
static u64 udma_fault_hits, udma_fault_fired;

bool udma_should_fail(enum udma_fault_point point)
{
	unsigned long flags;
	bool fail = false;

	atomic_long_inc(&udma_fault_total[point]);
	if (READ_ONCE(udma_fault_point) != point)
		return false;
	spin_lock_irqsave(&udma_fault_lock, flags);
	if (udma_fault_armed && udma_fault_point == point) {
		udma_fault_hits++;
		if (udma_fault_hits >= udma_fault_nth &&
		    udma_fault_fired < udma_fault_times) {
			udma_fault_fired++;
			fail = true;
		}
	}
	spin_unlock_irqrestore(&udma_fault_lock, flags);
	return fail;
}

static ssize_t point_read(struct file *file, char __user *buf, size_t len,
			  loff_t *ppos)
{
	char name[32];
	int point, n;

	point = READ_ONCE(udma_fault_point);
	n = scnprintf(name, sizeof(name), "%s\n",
		      point < 0 ? "none" : udma_fault_names[point]);
	return simple_read_from_buffer(buf, len, ppos, name, n);
}

static ssize_t point_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *ppos)
{
	char buf_name[32], *name;
	int point = -1;
	ssize_t n;

	n = simple_write_to_buffer(buf_name, sizeof(buf_name) - 1, ppos, buf,
				   len);
	if (n < 0)
		return n;
	buf_name[n] = 0;
	name = strim(buf_name);
	if (strcmp(name, "none")) {
		point = match_string(udma_fault_names, UDMA_FP_NR, name);
		if (point < 0)
			return -EINVAL;
	}
	spin_lock_irq(&udma_fault_lock);
	WRITE_ONCE(udma_fault_point, point);
	udma_fault_armed = false;
	udma_fault_hits = 0;
	udma_fault_fired = 0;
	spin_unlock_irq(&udma_fault_lock);
	return len;
}

static const struct file_operations point_fops = {
	.read = point_read,
	.write = point_write,
	.llseek = default_llseek,
};

static int nth_get(void *data, u64 *val)
{
	*val = READ_ONCE(udma_fault_nth);
	return 0;
}

/* Arming counts hits afresh; N = 0 disarms. */
static int nth_set(void *data, u64 val)
{
	spin_lock_irq(&udma_fault_lock);
	udma_fault_nth = val;
	udma_fault_armed = val && udma_fault_point >= 0;
	udma_fault_hits = 0;
	udma_fault_fired = 0;
	spin_unlock_irq(&udma_fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nth_fops, nth_get, nth_set, "%llu\n");

static int times_get(void *data, u64 *val)
{
	*val = READ_ONCE(udma_fault_times);
	return 0;
}

static int times_set(void *data, u64 val)
{
	spin_lock_irq(&udma_fault_lock);
	udma_fault_times = val;
	spin_unlock_irq(&udma_fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(times_fops, times_get, times_set, "%llu\n");

static int hits_get(void *data, u64 *val)
{
	spin_lock_irq(&udma_fault_lock);
	*val = udma_fault_hits;
	spin_unlock_irq(&udma_fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(hits_fops, hits_get, NULL, "%llu\n");

static int fired_get(void *data, u64 *val)
{
	spin_lock_irq(&udma_fault_lock);
	*val = udma_fault_fired;
	spin_unlock_irq(&udma_fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fired_fops, fired_get, NULL, "%llu\n");

static int list_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < UDMA_FP_NR; i++)
		seq_printf(m, "%s %ld\n", udma_fault_names[i],
			   atomic_long_read(&udma_fault_total[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(list);

void udma_fault_init(struct dentry *root)
{
	struct dentry *dir = debugfs_create_dir("fault", root);

	debugfs_create_file("point", 0600, dir, NULL, &point_fops);
	debugfs_create_file_unsafe("nth", 0600, dir, NULL, &nth_fops);
	debugfs_create_file_unsafe("times", 0600, dir, NULL, &times_fops);
	debugfs_create_file_unsafe("hits", 0400, dir, NULL, &hits_fops);
	debugfs_create_file_unsafe("fired", 0400, dir, NULL, &fired_fops);
	debugfs_create_file("list", 0400, dir, NULL, &list_fops);
}
