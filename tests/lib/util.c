// SPDX-License-Identifier: MIT
/* Helpers for the guest tests: see util.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ---- configuration ---------------------------------------------------- */

const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

long long env_ll(const char *name, long long def)
{
	const char *v = getenv(name);
	char *end;
	long long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoll(v, &end, 0);
	return errno || *end ? def : x;
}

enum udt_cfg udt_config(void)
{
	const char *c = env_or("USERDMA_CONFIG", "");

	if (!strcmp(c, "strict"))
		return CFG_STRICT;
	if (!strcmp(c, "lazy"))
		return CFG_LAZY;
	if (!strcmp(c, "noiommu"))
		return CFG_NOIOMMU;
	if (!strcmp(c, "swiotlb"))
		return CFG_SWIOTLB;
	return CFG_UNKNOWN;
}

const char *udt_config_name(void)
{
	return env_or("USERDMA_CONFIG", "unknown");
}

int cfg_iommu(void)
{
	enum udt_cfg c = udt_config();

	return c == CFG_STRICT || c == CFG_LAZY;
}

int cfg_dma_iommu(void)
{
	return cfg_iommu() && kernel_version() >= 5011;
}

int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	return major * 1000 + minor;
}

const char *edu64_bdf(void)
{
	return env_or("USERDMA_EDU64", "0000:00:03.0");
}

const char *edu28_bdf(void)
{
	return env_or("USERDMA_EDU28", "0000:00:04.0");
}

void diag_config(void)
{
	struct utsname u;

	if (uname(&u))
		strcpy(u.release, "?");
	diag("kernel %s (USERDMA_KERNEL=%s), config %s, lane %s", u.release,
	     env_or("USERDMA_KERNEL", "?"), udt_config_name(),
	     env_or("USERDMA_LANE", "?"));
}

/* ---- randomness ------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t test_seed(void)
{
	static int done;
	static uint64_t seed;
	struct timespec ts;

	if (done)
		return seed;
	done = 1;
	if (getenv("USERDMA_SEED") && *getenv("USERDMA_SEED")) {
		seed = strtoull(getenv("USERDMA_SEED"), NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000007ull) ^
		       (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 40);
		seed &= 0xffffffffffffull;
	}
	diag("seed %" PRIu64 " (set USERDMA_SEED=%" PRIu64 " to repeat)",
	     seed, seed);
	return seed;
}

void rng_init(struct rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_next(struct rng *r)
{
	return splitmix64(&r->s);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static struct rng global_rng;
static int global_rng_ready;

uint64_t rnd(void)
{
	if (!global_rng_ready) {
		rng_init(&global_rng, test_seed());
		global_rng_ready = 1;
	}
	return rng_next(&global_rng);
}

uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

void shuffle_u32(uint32_t *a, size_t n, struct rng *r)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		uint32_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- patterns ----------------------------------------------------------- */

static inline uint64_t pattern_word(uint64_t seed, uint64_t idx)
{
	uint64_t x = idx * 0x9e3779b97f4a7c15ull + seed;

	x ^= x >> 31;
	x *= 0xd6e8feb86659fd93ull;
	return x ^ (x >> 32);
}

uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	return (uint8_t)(pattern_word(seed, off >> 3) >> ((off & 7) * 8));
}

void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t base)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && ((base + i) & 7); i++)
		p[i] = pattern_byte(seed, base + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(seed, (base + i) >> 3);

		memcpy(p + i, &w, 8);	/* x86: little endian */
	}
	for (; i < len; i++)
		p[i] = pattern_byte(seed, base + i);
}

ssize_t pattern_mismatch(const void *buf, size_t len, uint64_t seed,
			 uint64_t base)
{
	const uint8_t *p = buf;
	size_t i = 0, j;

	for (; i < len && ((base + i) & 7); i++)
		if (p[i] != pattern_byte(seed, base + i))
			return (ssize_t)i;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(seed, (base + i) >> 3), g;

		memcpy(&g, p + i, 8);
		if (g != w)
			for (j = 0; j < 8; j++)
				if (p[i + j] != pattern_byte(seed, base + i + j))
					return (ssize_t)(i + j);
	}
	for (; i < len; i++)
		if (p[i] != pattern_byte(seed, base + i))
			return (ssize_t)i;
	return -1;
}

ssize_t mem_mismatch(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i = 0, step = 4096;

	while (i < len) {
		size_t n = MIN(step, len - i);

		if (memcmp(x + i, y + i, n)) {
			for (; n; i++, n--)
				if (x[i] != y[i])
					return (ssize_t)i;
		}
		i += n;
	}
	return -1;
}

ssize_t byte_mismatch(const void *buf, size_t len, uint8_t v)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return (ssize_t)i;
	return -1;
}

void diag_mismatch(const void *got, const void *want, size_t len, ssize_t off)
{
	const uint8_t *g = got, *w = want;
	char gs[64] = "", ws[64] = "";
	size_t i, n = 0, end;
	ssize_t last = off;

	if (off < 0)
		return;
	end = MIN(len, (size_t)off + 8);
	for (i = (size_t)off; i < end; i++) {
		n += snprintf(gs + n, sizeof(gs) - n, "%02x", g[i]);
		snprintf(ws + 2 * (i - (size_t)off), sizeof(ws) - 2 * (i - (size_t)off),
			 "%02x", w[i]);
	}
	/* how far does the damage go? */
	for (i = (size_t)off; i < len; i++)
		if (g[i] != w[i])
			last = (ssize_t)i;
	diag("first mismatch at offset %zd (0x%zx): got %s want %s; last mismatch at %zd; length %zu",
	     off, (size_t)off, gs, ws, last, len);
}

int ok_mem(const void *got, const void *want, size_t len, const char *fmt, ...)
{
	ssize_t off = mem_mismatch(got, want, len);
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vok(off < 0, fmt, ap);
	va_end(ap);
	if (off >= 0)
		diag_mismatch(got, want, len, off);
	return ret;
}

/* ---- raw ioctls ---------------------------------------------------------- */

int udt_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int udt_info(int fd, struct userdma_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return udt_ioctl(fd, USERDMA_IOC_INFO, info);
}

int udt_register_raw(int fd, uint64_t addr, uint64_t len, uint32_t dir,
		     uint32_t flags, uint32_t reserved, uint32_t *handle,
		     uint32_t *nsegs)
{
	struct userdma_register r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.addr = addr;
	r.length = len;
	r.direction = dir;
	r.reserved = reserved;
	ret = udt_ioctl(fd, USERDMA_IOC_REGISTER, &r);
	if (ret == 0) {
		if (handle)
			*handle = r.handle;
		if (nsegs)
			*nsegs = r.nr_segments;
	}
	return ret;
}

int udt_register(int fd, const void *addr, uint64_t len, uint32_t dir,
		 uint32_t *handle, uint32_t *nsegs)
{
	return udt_register_raw(fd, (uint64_t)(uintptr_t)addr, len, dir, 0, 0,
				handle, nsegs);
}

int udt_unregister(int fd, uint32_t handle)
{
	struct userdma_unregister u;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.handle = handle;
	return udt_ioctl(fd, USERDMA_IOC_UNREGISTER, &u);
}

int udt_segments(int fd, uint32_t handle, uint32_t first,
		 struct userdma_segment *segs, uint32_t count,
		 uint32_t *copied, uint32_t *total)
{
	struct userdma_segments s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.handle = handle;
	s.first = first;
	s.count = count;
	s.segs = (uint64_t)(uintptr_t)segs;
	ret = udt_ioctl(fd, USERDMA_IOC_SEGMENTS, &s);
	if (ret == 0) {
		if (copied)
			*copied = s.count;
		if (total)
			*total = s.total;
	}
	return ret;
}

int udt_segments_all(int fd, uint32_t handle, struct userdma_segment **out)
{
	struct userdma_segment *segs;
	uint32_t total, copied;
	int ret;

	*out = NULL;
	ret = udt_segments(fd, handle, 0, NULL, 0, NULL, &total);
	if (ret)
		return ret;
	segs = calloc(total ? total : 1, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	ret = udt_segments(fd, handle, 0, segs, total, &copied, NULL);
	if (ret) {
		free(segs);
		return ret;
	}
	if (copied != total) {
		free(segs);
		return -EPROTO;
	}
	*out = segs;
	return (int)total;
}

int udt_sync(int fd, uint32_t handle, uint64_t off, uint64_t len,
	     uint32_t flags)
{
	struct userdma_sync s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.handle = handle;
	s.offset = off;
	s.length = len;
	s.flags = flags;
	return udt_ioctl(fd, USERDMA_IOC_SYNC, &s);
}

const char *errname(int err)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{ 0, "OK" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" }, { EINTR, "EINTR" }, { EIO, "EIO" },
		{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" },
		{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" },
		{ EPROTO, "EPROTO" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
	};
	static __thread char buf[32];
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].e == err)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

const char *dirname_udma(uint32_t dir)
{
	switch (dir) {
	case USERDMA_DIR_TO_DEVICE:
		return "TO_DEVICE";
	case USERDMA_DIR_FROM_DEVICE:
		return "FROM_DEVICE";
	case USERDMA_DIR_BIDIRECTIONAL:
		return "BIDIRECTIONAL";
	default:
		return "bad-direction";
	}
}

/* ---- nodes, counters -------------------------------------------------- */

int node_for_bdf(const char *bdf, char *node, size_t len)
{
	DIR *d = opendir("/sys/class/userdma");
	struct dirent *de;
	char path[512], link[512];
	int ret = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t n;
		const char *base;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/userdma/%s/device",
			 de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		if (!strcmp(base, bdf)) {
			snprintf(node, len, "%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

const char *node_name_for(const char *bdf)
{
	static char names[4][64];
	static int next;
	char *n = names[next++ % 4];
	int ret = node_for_bdf(bdf, n, 64);

	if (ret)
		bail("no userdma node bound to %s (%s): is the module loaded?",
		     bdf, errname(ret));
	return n;
}

int node_open(const char *node)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", node);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int node_open_or_bail(const char *node)
{
	int fd = node_open(node);

	if (fd < 0)
		bail("open /dev/%s: %s", node, errname(fd));
	return fd;
}

void node_info_or_bail(int fd, struct userdma_info *info)
{
	int ret = udt_info(fd, info);

	if (ret)
		bail("USERDMA_IOC_INFO: %s", errname(ret));
}

static int read_ll(const char *path, long long *v)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*v = strtoll(buf, NULL, 0);
	return 0;
}

int node_stats(const char *node, struct node_stats *st)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/class/userdma/%s/regions", node);
	ret = read_ll(path, &st->regions);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/pinned_pages", node);
	ret = read_ll(path, &st->pinned_pages);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/mapped_bytes", node);
	ret = read_ll(path, &st->mapped_bytes);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/allocated_pages", node);
	ret = read_ll(path, &st->allocated_pages);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/imported", node);
	ret = read_ll(path, &st->imported);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/exported", node);
	return read_ll(path, &st->exported);
}

long long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

void snap_take(const char *node, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->valid = node_stats(node, &s->st) == 0;
	s->vmpin = vmpin_kb();
	s->vmlck = vmlck_kb();
}

int snap_check(const char *node, const struct snap *base, long long regions,
	       long long pages, long long bytes, long long vmpin_kb, char *why,
	       size_t whylen)
{
	struct snap now;

	snap_take(node, &now);
	if (!base->valid || !now.valid) {
		snprintf(why, whylen, "cannot read /sys/class/userdma/%s counters",
			 node);
		return 0;
	}
	/* buffers, imports and exports are checked by buffer_stats_ok() */
	if (now.st.allocated_pages != base->st.allocated_pages ||
	    now.st.imported != base->st.imported ||
	    now.st.exported != base->st.exported) {
		snprintf(why, whylen,
			 "%s counters allocated_pages/imported/exported: %lld/%lld/%lld, expected %lld/%lld/%lld",
			 node, now.st.allocated_pages, now.st.imported,
			 now.st.exported, base->st.allocated_pages,
			 base->st.imported, base->st.exported);
		return 0;
	}
	if (now.st.regions != base->st.regions + regions ||
	    now.st.pinned_pages != base->st.pinned_pages + pages ||
	    now.st.mapped_bytes != base->st.mapped_bytes + bytes) {
		snprintf(why, whylen,
			 "%s counters regions/pinned_pages/mapped_bytes: %lld/%lld/%lld, expected %lld/%lld/%lld",
			 node, now.st.regions, now.st.pinned_pages,
			 now.st.mapped_bytes, base->st.regions + regions,
			 base->st.pinned_pages + pages,
			 base->st.mapped_bytes + bytes);
		return 0;
	}
	if (now.vmpin != base->vmpin + vmpin_kb) {
		snprintf(why, whylen, "VmPin %lld kB, expected %lld kB",
			 now.vmpin, base->vmpin + vmpin_kb);
		return 0;
	}
	if (now.vmlck != base->vmlck) {
		snprintf(why, whylen, "VmLck moved: %lld kB, was %lld kB",
			 now.vmlck, base->vmlck);
		return 0;
	}
	return 1;
}

int ok_delta(const char *node, const struct snap *base, long long regions,
	     long long pages, long long bytes, long long vmpin_kb,
	     const char *fmt, ...)
{
	char why[512];
	va_list ap;
	int good = snap_check(node, base, regions, pages, bytes, vmpin_kb, why,
			      sizeof(why));

	va_start(ap, fmt);
	vok(good, fmt, ap);
	va_end(ap);
	if (!good)
		diag("%s", why);
	return good;
}

int ok_unchanged(const char *node, const struct snap *base, const char *fmt,
		 ...)
{
	char why[512];
	va_list ap;
	int good = snap_check(node, base, 0, 0, 0, 0, why, sizeof(why));

	va_start(ap, fmt);
	vok(good, fmt, ap);
	va_end(ap);
	if (!good)
		diag("%s", why);
	return good;
}

int wait_node_stats(const char *node, const struct node_stats *want, int ms,
		    struct node_stats *last)
{
	struct node_stats st;
	double end = now_s() + ms / 1000.0;

	for (;;) {
		memset(&st, 0xff, sizeof(st));
		node_stats(node, &st);
		if (last)
			*last = st;
		if (st.regions == want->regions &&
		    st.pinned_pages == want->pinned_pages &&
		    st.mapped_bytes == want->mapped_bytes &&
		    st.allocated_pages == want->allocated_pages &&
		    st.imported == want->imported &&
		    st.exported == want->exported)
			return 1;
		if (now_s() >= end)
			return 0;
		sleep_ms(10);
	}
}

long long swiotlb_used(void)
{
	long long v;

	return read_ll("/sys/kernel/debug/swiotlb/io_tlb_used", &v) ? -1 : v;
}

long long swiotlb_nslabs(void)
{
	long long v;

	return read_ll("/sys/kernel/debug/swiotlb/io_tlb_nslabs", &v) ? -1 : v;
}

/* ---- memory -------------------------------------------------------------- */

uint64_t pages_spanned(uint64_t addr, uint64_t len)
{
	if (!len)
		return 0;
	return ((addr + len - 1) / PAGE) - (addr / PAGE) + 1;
}

void *map_anon_untouched(size_t len, size_t align)
{
	size_t total;
	uint8_t *p, *a;

	if (align < PAGE)
		align = PAGE;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	total = len + align;
	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bail("mmap %zu bytes: %s", total, strerror(errno));
	a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + total > a + len)
		munmap(a + len, (size_t)(p + total - (a + len)));
	return a;
}

void touch_pages(void *p, size_t len)
{
	volatile uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i += PAGE)
		b[i] = (uint8_t)(i >> 12) | 1;
	if (len)
		b[len - 1] = 1;
}

void *map_anon_aligned(size_t len, size_t align)
{
	void *p = map_anon_untouched(len, align);

	touch_pages(p, len);
	return p;
}

void *map_anon(size_t len)
{
	return map_anon_aligned(len, PAGE);
}

uint64_t virt_to_phys(const void *addr)
{
	uint64_t e = 0, va = (uint64_t)(uintptr_t)addr;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, &e, sizeof(e), (off_t)(va / PAGE * 8));
	close(fd);
	if (n != sizeof(e) || !(e & (1ull << 63)))
		return 0;
	e &= (1ull << 55) - 1;	/* PFN; 0 without CAP_SYS_ADMIN */
	return e ? e * PAGE + va % PAGE : 0;
}

int pagemap_phys(const void *addr, size_t npages, uint64_t *phys)
{
	uint64_t va = (uint64_t)(uintptr_t)addr;
	size_t i, bytes = npages * sizeof(uint64_t);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, phys, bytes, (off_t)(va / PAGE * 8));
	close(fd);
	if (n != (ssize_t)bytes)
		return n < 0 ? -errno : -EIO;
	for (i = 0; i < npages; i++) {
		uint64_t e = phys[i];

		phys[i] = (e & (1ull << 63)) ? (e & ((1ull << 55) - 1)) * PAGE : 0;
	}
	return 0;
}

int segs_match_phys(const struct userdma_segment *s, uint32_t n,
		    const void *addr, uint64_t len, char *why, size_t whylen)
{
	uint64_t va = (uint64_t)(uintptr_t)addr;
	uint64_t npages = pages_spanned(va, len), off = 0;
	uint64_t *phys = calloc(npages, sizeof(*phys));
	uint32_t i;
	int ret, good = 1;

	if (!phys) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	ret = pagemap_phys(addr, npages, phys);
	if (ret) {
		snprintf(why, whylen, "pagemap: %s", errname(ret));
		free(phys);
		return 0;
	}
	/* walk the region a page piece at a time through the segments */
	for (i = 0; i < n && good; i++) {
		uint64_t a = s[i].dma_addr, l = s[i].length;

		while (l && good) {
			uint64_t v = va + off;
			uint64_t pg = v / PAGE - va / PAGE;
			uint64_t piece = MIN(l, PAGE - v % PAGE);

			if (pg >= npages || !phys[pg]) {
				snprintf(why, whylen,
					 "no physical address for region offset %" PRIu64,
					 off);
				good = 0;
			} else if (phys[pg] + v % PAGE != a) {
				snprintf(why, whylen,
					 "region offset %" PRIu64 " (segment %u) has DMA address 0x%" PRIx64 ", physical 0x%" PRIx64,
					 off, i, a, phys[pg] + v % PAGE);
				good = 0;
			}
			a += piece;
			l -= piece;
			off += piece;
		}
	}
	free(phys);
	return good;
}

long long smaps_field_kb(const void *addr, const char *key)
{
	uint64_t va = (uint64_t)(uintptr_t)addr;
	char line[512];
	size_t klen = strlen(key);
	int inside = 0;
	long long v = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;

		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (inside)
				break;
			inside = va >= lo && va < hi;
			continue;
		}
		if (inside && !strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

int thp_available(char *mode, size_t len)
{
	char buf[128] = "";
	ssize_t n;
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled",
		      O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (buf[0] && buf[strlen(buf) - 1] == '\n')
		buf[strlen(buf) - 1] = '\0';
	if (mode)
		snprintf(mode, len, "%s", buf[0] ? buf : "absent");
	return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* ---- segment lists ----------------------------------------------------- */

int segs_valid(const struct userdma_segment *s, uint32_t n, uint64_t addr,
	       uint64_t len, const struct userdma_info *info, char *why,
	       size_t whylen)
{
	int bounce = !!(info->flags & USERDMA_INFO_BOUNCE);
	uint64_t sum = 0;
	uint32_t i;

	if (n == 0) {
		snprintf(why, whylen, "no segments");
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint64_t a = s[i].dma_addr, l = s[i].length;

		if (!l) {
			snprintf(why, whylen, "segment %u has length 0", i);
			return 0;
		}
		if (l > info->max_seg_size) {
			snprintf(why, whylen,
				 "segment %u length %" PRIu64 " > max_seg_size %" PRIu64,
				 i, l, (uint64_t)info->max_seg_size);
			return 0;
		}
		if (a + l < a || a > info->dma_mask ||
		    a + l - 1 > info->dma_mask) {
			snprintf(why, whylen,
				 "segment %u [0x%" PRIx64 ", +%" PRIu64 ") outside dma_mask 0x%" PRIx64,
				 i, a, l, (uint64_t)info->dma_mask);
			return 0;
		}
		if (bounce && l > 256 * KiB) {
			snprintf(why, whylen,
				 "segment %u length %" PRIu64 " > 256 KiB with bounce buffers",
				 i, l);
			return 0;
		}
		if (!bounce) {
			if (i == 0 && a % PAGE != addr % PAGE) {
				snprintf(why, whylen,
					 "first segment 0x%" PRIx64 " does not keep the page offset 0x%" PRIx64 " of addr",
					 a, addr % PAGE);
				return 0;
			}
			if (i > 0 && a % PAGE) {
				snprintf(why, whylen,
					 "segment %u starts at 0x%" PRIx64 ", not on a page boundary",
					 i, a);
				return 0;
			}
			if (i + 1 < n && (a + l) % PAGE) {
				snprintf(why, whylen,
					 "segment %u ends at 0x%" PRIx64 ", not on a page boundary",
					 i, a + l);
				return 0;
			}
		}
		sum += l;
	}
	if (sum != len) {
		snprintf(why, whylen,
			 "segment lengths sum to %" PRIu64 ", registered %" PRIu64,
			 sum, len);
		return 0;
	}
	return 1;
}

int seg_lookup(const struct userdma_segment *s, uint32_t n, uint64_t off,
	       uint64_t *dma, uint64_t *contig)
{
	uint64_t start = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (off < start + s[i].length) {
			*dma = s[i].dma_addr + (off - start);
			*contig = s[i].length - (off - start);
			return 0;
		}
		start += s[i].length;
	}
	return -ERANGE;
}

void diag_segs(const struct userdma_segment *s, uint32_t n, uint32_t max)
{
	uint32_t i;

	for (i = 0; i < n && i < max; i++)
		diag("  segment %u: dma 0x%" PRIx64 " length %" PRIu64, i,
		     (uint64_t)s[i].dma_addr, (uint64_t)s[i].length);
	if (n > max)
		diag("  ... %u more", n - max);
}

/* ---- processes, time ---------------------------------------------------- */

int drop_root(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0)
		return -errno;
	if (setgid(gid) < 0)
		return -errno;
	if (setuid(uid) < 0)
		return -errno;
	if (getuid() != uid || geteuid() != uid)
		return -EPERM;
	return 0;
}

uid_t unpriv_uid(void)
{
	return (uid_t)env_ll("USERDMA_UNPRIV_UID", 1000);
}

gid_t unpriv_gid(void)
{
	return (gid_t)env_ll("USERDMA_UNPRIV_GID", 1000);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
