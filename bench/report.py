#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render `make bench` results: tables and target verdicts into
docs/performance.md (between the bench-results markers) and gnuplot SVG
plots into docs/perf/.

    report.py RESULTS.csv DOCS_DIR [SECONDS]

Every figure is a ratio measured inside one guest.  A target is judged on
the ratio of the minima of the repeats (the runs least disturbed by other
guests on the shared host); the ratio of the medians is shown next to it.
"""
import csv
import os
import subprocess
import sys
import time
from collections import defaultdict

BEGIN = '<!-- bench-results:begin -->'
END = '<!-- bench-results:end -->'
CONFIGS = ['strict', 'lazy', 'noiommu', 'swiotlb']
KiB, MiB = 1024, 1024 * 1024


def size_name(n):
    n = int(n)
    if n >= MiB and n % MiB == 0:
        return '%d MiB' % (n // MiB)
    if n >= KiB and n % KiB == 0:
        return '%d KiB' % (n // KiB)
    return '%d B' % n


class Results:
    def __init__(self, path):
        self.v = {}
        self.kernels, self.configs = [], []
        with open(path) as f:
            for r in csv.DictReader(f):
                key = (r['kernel'], r['config'], r['row'], r['case'],
                       int(r['size']), r['metric'])
                self.v[key] = (float(r['min']), float(r['median']))
                if r['kernel'] not in self.kernels:
                    self.kernels.append(r['kernel'])
                if r['config'] not in self.configs:
                    self.configs.append(r['config'])
        self.kernels.sort(key=lambda k: [int(x) for x in k.split('.')])
        self.configs.sort(key=lambda c: CONFIGS.index(c) if c in CONFIGS else 9)

    def get(self, k, c, row, case, size, metric):
        return self.v.get((k, c, row, case, size, metric))

    def sizes(self, row, case, metric):
        return sorted({key[4] for key in self.v
                       if key[2] == row and key[3] == case and key[5] == metric})


def fmt(x, digits=2):
    if x is None:
        return 'n/a'
    return '%.*f' % (digits, x)


def pair(p, digits=2):
    """'min-ratio (median-ratio)' of a (min, median) pair."""
    if p is None:
        return 'n/a'
    return '%s (%s)' % (fmt(p[0], digits), fmt(p[1], digits))


def ratio(a, b):
    """a / b for (min, median) pairs."""
    if a is None or b is None or not b[0] or not b[1]:
        return None
    return (a[0] / b[0], a[1] / b[1])


def table(head, rows):
    if not rows:
        return '\n_(no data)_\n'
    out = ['\n| ' + ' | '.join(head) + ' |',
           '|' + '|'.join(' --- ' for _ in head) + '|']
    out += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out) + '\n'


class Report:
    def __init__(self, res, docs):
        self.r = res
        self.docs = docs
        self.verdicts = []
        self.md = []

    def verdict(self, target, k, c, value, ok, note=''):
        self.verdicts.append((target, k, c, value,
                              'n/a' if ok is None else ('met' if ok else 'missed'),
                              note))

    # ---- row 1 ---------------------------------------------------------
    def row1(self):
        r = self.r
        md = self.md
        md.append('### 1. Registration cost\n')
        md.append('userdma REGISTER + UNREGISTER through the ioctl, divided by '
                  'the raw primitives (pin_user_pages_fast, '
                  'sg_alloc_table_from_pages_segment, dma_map_sgtable, '
                  'dma_unmap_sgtable, unpin) timed in the kernel on the same '
                  'buffer in the same repetition, one operation per bench '
                  'ioctl as a driver would call them (the same primitives '
                  'looped inside one ioctl, "warm", are in the 4 KiB table '
                  'below).  Cells: ratio of minima '
                  '(ratio of medians); target <= 1.10 from 1 MiB.\n')
        for k in r.kernels:
            for kind in ('4k', 'thp'):
                sizes = r.sizes('register', 'raw-' + kind, 'ns')
                rows = []
                for s in sizes:
                    row = [size_name(s)]
                    for c in r.configs:
                        x = ratio(r.get(k, c, 'register', 'userdma-' + kind, s, 'ns'),
                                  r.get(k, c, 'register', 'raw-' + kind, s, 'ns'))
                        segs = r.get(k, c, 'register', 'userdma-' + kind, s, 'segs')
                        row.append('%s, %s seg' % (pair(x), fmt(segs and segs[0], 0)))
                    rows.append(row)
                md.append('\n**%s, %s pages**: userdma / raw, DMA segments per region\n\n'
                          % (k, '4 KiB' if kind == '4k' else '2 MiB THP'))
                md.append(table(['size'] + r.configs, rows))
            self.row1_targets(k)
        md.append('\n**Nanoseconds per 4 KiB page** (medians), raw and userdma:\n\n')
        rows = []
        for k in r.kernels:
            for c in r.configs:
                for s in (64 * MiB, 256 * MiB):
                    cells = [k, c, size_name(s)]
                    for kind in ('4k', 'thp'):
                        for who in ('raw', 'userdma'):
                            v = r.get(k, c, 'register', '%s-%s' % (who, kind), s, 'ns')
                            cells.append(fmt(v and v[1] / (s / 4096), 1))
                    rows.append(cells)
        md.append(table(['kernel', 'config', 'size', 'raw 4K', 'userdma 4K',
                         'raw THP', 'userdma THP'], rows))
        self.small()
        self.stages()

    def small(self):
        r = self.r
        self.md.append('\n**4 KiB registrations** (ns, medians): the raw '
                       'primitives looped in one ioctl (warm) and one per '
                       'ioctl, userdma\'s register + release in one ioctl '
                       '(no handle, no copy in or out) and through REGISTER + '
                       'UNREGISTER, and the null ioctl round trip they are '
                       'counted in:\n\n')
        rows = []
        for k in r.kernels:
            for c in r.configs:
                null = r.get(k, c, 'null', 'ioctl', 0, 'ns')
                vals = [r.get(k, c, 'register', case, 4096, 'ns')
                        for case in ('rawwarm-4k', 'raw-4k', 'region-4k',
                                     'userdma-4k')]
                if not all(vals) or not null:
                    continue
                extra = (vals[3][1] - vals[1][1]) / null[1]
                rows.append([k, c] + [fmt(v[1], 0) for v in vals] +
                            [fmt(null[1], 0), fmt(extra, 1)])
        self.md.append(table(['kernel', 'config', 'raw warm', 'raw',
                              'userdma, no ioctl', 'userdma', 'null ioctl',
                              '(userdma - raw) / null'], rows))

    def row1_targets(self, k):
        r = self.r
        null = {c: r.get(k, c, 'null', 'ioctl', 0, 'ns') for c in r.configs}
        for c in r.configs:
            for kind in ('4k', 'thp'):
                worst = None
                for s in r.sizes('register', 'raw-' + kind, 'ns'):
                    if s < MiB:
                        continue
                    x = ratio(r.get(k, c, 'register', 'userdma-' + kind, s, 'ns'),
                              r.get(k, c, 'register', 'raw-' + kind, s, 'ns'))
                    if x and (worst is None or x[0] > worst[1][0]):
                        worst = (s, x)
                if worst:
                    self.verdict('1: userdma <= 1.10x raw, every size >= 1 MiB (%s)' % kind,
                                 k, c, '%s at %s' % (pair(worst[1]), size_name(worst[0])),
                                 worst[1][0] <= 1.10)
            raw = r.get(k, c, 'register', 'raw-4k', 4096, 'ns')
            ud = r.get(k, c, 'register', 'userdma-4k', 4096, 'ns')
            if raw and ud and null[c]:
                extra = ((ud[0] - raw[0]) / null[c][0], (ud[1] - raw[1]) / null[c][1])
                self.verdict('1: 4 KiB: userdma <= raw + 2 null ioctls', k, c,
                             '%s null ioctls over raw' % pair(extra, 1), extra[0] <= 2)
            # THP gain at the largest size both have
            for s in (256 * MiB, 64 * MiB):
                vals = {(w, p): r.get(k, c, 'register', '%s-%s' % (w, p), s, 'ns')
                        for w in ('raw', 'userdma') for p in ('4k', 'thp')}
                if all(vals.values()):
                    g_raw = ratio(vals[('raw', '4k')], vals[('raw', 'thp')])
                    g_ud = ratio(vals[('userdma', '4k')], vals[('userdma', 'thp')])
                    self.verdict('1: THP gain of userdma >= raw\'s own gain', k, c,
                                 'userdma %sx, raw %sx at %s' % (pair(g_ud, 1), pair(g_raw, 1),
                                                                  size_name(s)),
                                 g_ud[0] >= g_raw[0])
                    break
            if c in ('strict', 'lazy'):
                segs = [r.get(k, c, 'register', 'userdma-' + p, s, 'segs')
                        for p in ('4k', 'thp')
                        for s in r.sizes('register', 'userdma-' + p, 'segs')]
                segs = [x[0] for x in segs if x]
                if segs:
                    self.verdict('1: one DMA segment per region under the IOMMU', k, c,
                                 'max %d' % max(segs), max(segs) == 1)

    def stages(self):
        r = self.r
        names = ['alloc', 'pin', 'sg', 'map', 'segs', 'unmap', 'unpin']
        self.md.append('\n**Where the time goes** (ktime per stage, one run, '
                       'ns per register+release; "region" is userdma\'s path '
                       'without the ioctl, "raw" the primitives):\n\n')
        rows = []
        for k in r.kernels:
            for c in r.configs:
                for s in (4096, 64 * MiB):
                    for case in ('raw-4k', 'region-4k', 'raw-thp', 'region-thp'):
                        cells = [k, c, size_name(s), case]
                        tot = r.get(k, c, 'register-stages', case, s, 'total')
                        if not tot:
                            continue
                        for n in names:
                            v = r.get(k, c, 'register-stages', case, s, n)
                            cells.append(fmt(v and v[0], 0) if v else '-')
                        cells.append(fmt(tot[0], 0))
                        rows.append(cells)
        self.md.append(table(['kernel', 'config', 'size', 'path'] + names + ['total'], rows))

    # ---- row 2 ---------------------------------------------------------
    def row2(self):
        r = self.r
        self.md.append('\n### 2. Sync cost\n\nOne SYNC ioctl on a sub-range of a 64 MiB '
                       'registration, in null ioctls and in memcpy()s of the same size '
                       '(what one bounce copy costs at best).  Cells: medians, '
                       'x null ioctl / x memcpy.\n\n')
        rows = []
        for k in r.kernels:
            for s in r.sizes('sync', 'cpu', 'ns'):
                for d in ('cpu', 'device'):
                    row = [k, size_name(s), d]
                    for c in r.configs:
                        n = r.get(k, c, 'sync', d, s, 'x_null')
                        m = r.get(k, c, 'sync', d, s, 'x_memcpy')
                        row.append('%s / %s' % (fmt(n and n[1], 1), fmt(m and m[1], 3)))
                    rows.append(row)
        self.md.append(table(['kernel', 'size', 'for'] + r.configs, rows))

    # ---- row 3 ---------------------------------------------------------
    def row3(self):
        r = self.r
        md = self.md
        md.append('\n### 3. Transfers on the software engine\n\nOne transfer between '
                  'registered buffers against memcpy() of the same size in the same '
                  'guest (x memcpy, target >= 0.8 from 1 MiB) and against the copy '
                  'path, write()/read() through a 1 MiB kernel bounce buffer by the '
                  'same engine (x copy path, target >= 2 at 64 MiB).  Cells: ratio '
                  'of minima (ratio of medians); higher is better.\n\n')
        for k in r.kernels:
            rows = []
            for s in r.sizes('xfer', 'userdma', 'x_memcpy'):
                row = [size_name(s)]
                for c in r.configs:
                    row.append('%s; %s' % (
                        pair(r.get(k, c, 'xfer', 'userdma', s, 'x_memcpy')),
                        pair(r.get(k, c, 'xfer', 'userdma', s, 'x_copypath'), 1)))
                rows.append(row)
            md.append('\n**%s**: x memcpy; x copy path\n\n' % k)
            md.append(table(['size'] + r.configs, rows))
        rows = []
        for k in r.kernels:
            for c in r.configs:
                b = r.get(k, c, 'xfer', 'batch64x4k', 256 * KiB, 'x_stream')
                p50 = r.get(k, c, 'xfer', 'latency4k', 4096, 'p50_x_null')
                p99 = r.get(k, c, 'xfer', 'latency4k', 4096, 'p99_x_null')
                st = [r.get(k, c, 'xfer-stages', 'copypath', 64 * MiB, n)
                      for n in ('from_user', 'engine', 'to_user')]
                tot = sum(x[0] for x in st if x) or None
                rows.append([k, c, pair(b), fmt(p50 and p50[0], 1), fmt(p99 and p99[0], 1),
                             ' / '.join('%d%%' % (100 * x[0] / tot) if x and tot else 'n/a'
                                        for x in st)])
                worst = None
                for s in r.sizes('xfer', 'userdma', 'x_memcpy'):
                    x = r.get(k, c, 'xfer', 'userdma', s, 'x_memcpy')
                    if s >= MiB and x and (worst is None or x[0] < worst[1][0]):
                        worst = (s, x)
                if worst:
                    self.verdict('3: transfer >= 0.8x memcpy, every size >= 1 MiB', k, c,
                                 '%s at %s' % (pair(worst[1]), size_name(worst[0])),
                                 worst[1][0] >= 0.8)
                x = r.get(k, c, 'xfer', 'userdma', 64 * MiB, 'x_copypath')
                if x:
                    self.verdict('3: >= 2x the copy path at 64 MiB', k, c, pair(x, 1),
                                 x[0] >= 2)
                if b:
                    self.verdict('3: 64 x 4 KiB batched >= 0.5x 64 MiB streaming', k, c,
                                 pair(b), b[0] >= 0.5)
        md.append('\n**Batches, latency, copy path breakdown**: 64 x 4 KiB in one '
                  'submit as a fraction of 64 MiB streaming throughput; p50/p99 '
                  'latency of one 4 KiB transfer in null ioctls; the copy path\'s '
                  '64 MiB time split into copy_from_user / engine / copy_to_user.\n\n')
        md.append(table(['kernel', 'config', 'batch / stream', 'p50', 'p99',
                         'copy path split'], rows))
        rows = []
        for k in r.kernels:
            for c in r.configs:
                for s in r.sizes('kcopy', 'user-memcpy', 'ns'):
                    u = r.get(k, c, 'kcopy', 'user-memcpy', s, 'ns')
                    km = r.get(k, c, 'kcopy', 'kernel-memcpy', s, 'ns')
                    ke = r.get(k, c, 'kcopy', 'engine-copy', s, 'ns')
                    rows.append([k, c, size_name(s), pair(ratio(u, km)),
                                 pair(ratio(u, ke))])
        if rows:
            md.append('\n**The copy underneath**: kernel memcpy() and '
                      'memcpy_flushcache() (what the sw engine copies with) '
                      'against user memcpy(), as speed ratios (higher is faster):\n')
            md.append(table(['kernel', 'config', 'size', 'memcpy / user',
                             'memcpy_flushcache / user'], rows))

    # ---- row 4 ---------------------------------------------------------
    def row4(self):
        r = self.r
        self.md.append('\n### 4. Per-call pinning\n\nRegister, transfer, unregister '
                       'on every call (both buffers), divided by the same transfer '
                       'between buffers registered once.  Cells: ratio of minima '
                       '(ratio of medians).\n\n')
        for k in r.kernels:
            rows = []
            for s in r.sizes('percall', 'percall', 'x_registered'):
                rows.append([size_name(s)] + [
                    pair(r.get(k, c, 'percall', 'percall', s, 'x_registered'))
                    for c in r.configs])
            self.md.append('\n**%s**\n\n' % k)
            self.md.append(table(['size'] + r.configs, rows))

    # ---- row 5 ---------------------------------------------------------
    def row5(self):
        r = self.r
        kinds = ['malloc-4k', 'cached', 'coherent', 'dma-heap', 'udmabuf']
        rows = []
        for k in r.kernels:
            for c in r.configs:
                null = r.get(k, c, 'null', 'ioctl', 0, 'ns')
                for kind in kinds:
                    ms = r.get(k, c, 'alloc', kind, 16 * MiB, 'memset_x_malloc')
                    mc = r.get(k, c, 'alloc', kind, 16 * MiB, 'memcpy_x_malloc')
                    rd = r.get(k, c, 'alloc', kind, 16 * MiB, 'ready_x_malloc')
                    sy = r.get(k, c, 'alloc', kind, 16 * MiB, 'sync_ns')
                    if not ms:
                        continue
                    rows.append([k, c, kind, pair(ms), pair(mc), pair(rd),
                                 fmt(sy and null and sy[1] / null[1], 1)])
                    if kind == 'cached':
                        worst = min(ms[0], mc[0])
                        self.verdict('5: driver-allocated cached >= 0.95x malloc', k, c,
                                     'memset %s, memcpy %s' % (pair(ms), pair(mc)),
                                     worst >= 0.95)
        if not rows:
            return
        self.md.append('\n### 5. Driver-allocated buffers\n\n16 MiB buffers: CPU '
                       'memset() and memcpy() (to and from a malloc\'ed buffer) '
                       'bandwidth, and the cost of getting one ready (allocate, map, '
                       'write once), each as malloc\'s time / its time (higher is '
                       'better); one sync of the whole buffer (userdma: SYNC for the '
                       'CPU and for the device; dma-bufs: DMA_BUF_IOCTL_SYNC start and '
                       'end) in null ioctls.  Cells: ratio of minima (ratio of '
                       'medians).\n')
        self.md.append(table(['kernel', 'config', 'buffer', 'memset x malloc',
                              'memcpy x malloc', 'ready x malloc', 'sync (null ioctls)'],
                             rows))

    # ---- plots ---------------------------------------------------------
    def plot(self, name, title, ylabel, series, hline=None, logy=False):
        os.makedirs(os.path.join(self.docs, 'perf'), exist_ok=True)
        data = os.path.join(self.docs, 'perf', name + '.dat')
        with open(data, 'w') as f:
            for label, pts in series:
                f.write('# %s\n' % label)
                for x, y in pts:
                    f.write('%d %g\n' % (x, y))
                f.write('\n\n')
        plots = ["'%s' index %d using ($1/1024):2 with linespoints title '%s'"
                 % (data, i, label) for i, (label, _) in enumerate(series) if _]
        if hline is not None:
            plots.append('%g with lines dashtype 2 lc rgb "black" title "target"' % hline)
        if not plots:
            os.unlink(data)
            return None
        gp = ['set terminal svg size 720,420 dynamic font "sans,11"',
              "set output '%s'" % os.path.join(self.docs, 'perf', name + '.svg'),
              "set title '%s'" % title, 'set logscale x 2', 'set grid',
              "set xlabel 'size (KiB)'", "set ylabel '%s'" % ylabel,
              'set key outside right', 'set format x "%.0f"']
        if logy:
            gp.append('set logscale y 10')
        gp.append('plot ' + ', '.join(plots))
        subprocess.run(['gnuplot'], input='\n'.join(gp), text=True, check=True)
        os.unlink(data)
        return 'perf/%s.svg' % name

    def plots(self):
        r = self.r
        figs = []
        for k in r.kernels:
            s = [(c, [(x, r.get(k, c, 'xfer', 'userdma', x, 'x_memcpy')[1])
                      for x in r.sizes('xfer', 'userdma', 'x_memcpy')
                      if r.get(k, c, 'xfer', 'userdma', x, 'x_memcpy')])
                 for c in r.configs]
            figs.append(self.plot('xfer-%s' % k, 'sw engine transfer / memcpy, %s' % k,
                                  'x memcpy (median)', s, 0.8))
            s = []
            for c in r.configs:
                for p in ('4k', 'thp'):
                    pts = []
                    for x in r.sizes('register', 'raw-' + p, 'ns'):
                        v = ratio(r.get(k, c, 'register', 'userdma-' + p, x, 'ns'),
                                  r.get(k, c, 'register', 'raw-' + p, x, 'ns'))
                        if v:
                            pts.append((x, v[1]))
                    s.append(('%s %s' % (c, p), pts))
            figs.append(self.plot('register-%s' % k, 'userdma register+release / raw, %s' % k,
                                  'x raw (median)', s, 1.10, logy=True))
            s = [(c, [(x, r.get(k, c, 'percall', 'percall', x, 'x_registered')[1])
                      for x in r.sizes('percall', 'percall', 'x_registered')
                      if r.get(k, c, 'percall', 'percall', x, 'x_registered')])
                 for c in r.configs]
            figs.append(self.plot('percall-%s' % k, 'per-call pinning / registered, %s' % k,
                                  'x registered (median)', s, 1.0))
            s = []
            for c in r.configs:
                for who in ('raw', 'userdma'):
                    for p in ('4k', 'thp'):
                        pts = [(x, r.get(k, c, 'register', '%s-%s' % (who, p), x, 'ns')[1]
                                / max(1, x // 4096))
                               for x in r.sizes('register', '%s-%s' % (who, p), 'ns')
                               if r.get(k, c, 'register', '%s-%s' % (who, p), x, 'ns')]
                        if c == 'strict':
                            s.append(('%s %s %s' % (c, who, p), pts))
            figs.append(self.plot('nspage-%s' % k, 'ns per 4 KiB page, IOMMU strict, %s' % k,
                                  'ns per page (median)', s, logy=True))
        self.md.append('\n### Plots\n\n')
        for f in figs:
            if f:
                self.md.append('![%s](%s)\n\n' % (f, f))

    def render(self, seconds):
        head = ['\n_Generated by `make bench` (bench/report.py) on %s from '
                '`build/bench/results.csv`%s: kernels %s, configurations %s._\n\n'
                % (time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                   ' in %s s' % seconds if seconds else '',
                   ', '.join(self.r.kernels), ', '.join(self.r.configs))]
        self.row3()
        self.row1()
        self.row2()
        self.row4()
        self.row5()
        self.plots()
        if not any(t.startswith('5:') for t, *_ in self.verdicts):
            self.verdict('5: driver-allocated cached >= 0.95x malloc', 'all', 'all',
                         'not measured in this run', None)
        v = ['\n### Targets\n\nJudged on the ratio of minima; the ratio of '
             'medians in parentheses.\n\n',
             table(['target', 'kernel', 'config', 'measured', 'verdict'],
                   [[t, k, c, val, ok] for t, k, c, val, ok, _ in self.verdicts])]
        return ''.join(head + v + self.md)


def main():
    res = Results(sys.argv[1])
    docs = sys.argv[2]
    rep = Report(res, docs)
    body = rep.render(sys.argv[3] if len(sys.argv) > 3 else '')
    path = os.path.join(docs, 'performance.md')
    text = open(path).read() if os.path.exists(path) else '%s\n%s\n' % (BEGIN, END)
    if BEGIN not in text or END not in text:
        text += '\n%s\n%s\n' % (BEGIN, END)
    pre, rest = text.split(BEGIN, 1)
    post = rest.split(END, 1)[1]
    open(path, 'w').write(pre + BEGIN + '\n' + body + '\n' + END + post)
    print('report: %s, %d targets judged' % (path, len(rep.verdicts)))


if __name__ == '__main__':
    main()
