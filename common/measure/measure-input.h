/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading the files a measurement covers from descriptors the caller opened
 * (memcryptctl from paths, the daemon from descriptors a client sent). Only
 * regular files are read, never past the size fstat() reported, so a FIFO
 * or device cannot make a reader wait or read without end.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "measure-hashes.h"

/* The whole firmware image in FD (at most MEASURE_FIRMWARE_MAX bytes); NULL and ERROR otherwise. */
GBytes *measure_read_firmware_fd(int fd, GError **error);

/* SHA-256 of FD's contents (a regular file of at most MAX bytes), its size in *RET_SIZE (may be NULL). */
bool measure_sha256_fd(int fd, uint64_t max, uint8_t out[MEASURE_SHA256_LEN], uint64_t *ret_size,
                       GError **error);
