// SPDX-License-Identifier: GPL-2.0
/*
 * The pipeline's tracepoints (trace.h), created here and exported so that
 * another module can attach probes to them.
 */
#include <linux/device.h>
#include <linux/string.h>

#include "region.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(userdma_stage);
