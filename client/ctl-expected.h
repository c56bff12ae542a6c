/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* memcryptctl attest expected: the launch digest the service expects, as text or JSON. */

#include "ctl-output.h"

typedef struct {
        const char *domain;             /* a defined or running domain, or */
        const char *domain_xml;         /* a document, with */
        int kernel_fd, initrd_fd;       /* the files it measures (-1: none) */
        const MemcryptOptions *options;
} ExpectedRequest;

/* 0, or the library's negative errno with the service's error on C. */
int attest_print_expected(MemcryptClient *c, const ExpectedRequest *req, JsonMode json);
