/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open file's handles (each names one region, with a reference) and the
 * copying of command structs in and replies out.
 */
#ifndef USERDMA_HANDLE_H
#define USERDMA_HANDLE_H

#include <linux/dma-direction.h>
#include <linux/types.h>

struct userdma_file;
struct userdma_region;

int udma_copy_cmd(void *kcmd, size_t ksize, size_t min_size,
		  void __user *ucmd, u32 *usize);
int udma_reply(void __user *ucmd, void *kcmd, size_t ksize, u32 usize);
int udma_reply_nofault(void __user *ucmd, void *kcmd, size_t ksize, u32 usize);
enum dma_data_direction udma_dir(u32 direction);

int udma_handle_reserve(struct userdma_file *uf, u32 *handle);
void udma_handle_unreserve(struct userdma_file *uf, u32 handle);
int udma_handle_publish(struct userdma_file *uf, u32 handle,
			struct userdma_region *r, void __user *arg, void *kcmd,
			size_t ksize, u32 usize);
struct userdma_region *udma_lookup(struct userdma_file *uf, u32 handle);
struct userdma_region *udma_lookup_busy(struct userdma_file *uf, u32 handle);
void udma_end_busy(struct userdma_region *r);
struct userdma_region *udma_take(struct userdma_file *uf, unsigned long handle);
void udma_file_release_regions(struct userdma_file *uf);

#endif /* USERDMA_HANDLE_H */
