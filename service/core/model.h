/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The vocabulary shared by every core module: reasons and checks (the models are common/model-table.h's). */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "model-table.h"

typedef enum {
        SEVERITY_ERROR = 0,     /* makes the model unusable */
        SEVERITY_WARNING,
} Severity;

const char *severity_to_string(Severity s);

/* A stable code (docs/design.md "Reason codes"), what is wrong, and how to fix it. */
typedef struct {
        char *code;
        Severity severity;
        char *message;
        char *hint;
} Reason;

Reason *reason_new(const char *code, Severity severity, const char *message, const char *hint);
void reason_free(Reason *r);

typedef enum {
        CHECK_PASS = 0,
        CHECK_WARN,
        CHECK_FAIL,
        CHECK_SKIP,     /* not applicable: the CPU generation cannot have it, or a parent failed */
        CHECK_UNKNOWN,  /* could not be decided: unreadable source, no libvirt */
} CheckStatus;

typedef enum {
        CATEGORY_CPU_SUPPORT = 0,
        CATEGORY_CPU_INFO,
        CATEGORY_BIOS_CONFIGURED,
        CATEGORY_PLATFORM_INITIALIZED,
        CATEGORY_KVM_CONFIG,
        CATEGORY_FIRMWARE,
        CATEGORY_LIBVIRT,
        CATEGORY_COMPLIANCE,
} CheckCategory;

const char *check_status_to_string(CheckStatus s);
const char *check_category_to_string(CheckCategory c);

/* One doctor line. model is "" for host-wide checks. */
typedef struct {
        char *id;
        char *model;
        CheckCategory category;
        CheckStatus status;
        char *message;
        char *hint;
} Check;

void check_free(Check *c);
