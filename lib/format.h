/* SPDX-License-Identifier: MIT */
/*
 * Formatting that libuserdma shares with the userdma CLI (tools/).  The
 * CLI links the static archive, where the library's hidden symbols still
 * resolve; nothing here is part of the ABI or of libuserdma.so's exports.
 */
#ifndef LIBUSERDMA_FORMAT_H
#define LIBUSERDMA_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* errors.c: "64 MiB" when exact, otherwise "65537 bytes". */
const char *udl_size(uint64_t bytes, char *buf, size_t size);

#endif /* LIBUSERDMA_FORMAT_H */
