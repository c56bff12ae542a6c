/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where a fact came from and how reading it fared: every capped read of the
 * bottom layer (fileio.h) records its failure here, and every fact of
 * HostFacts carries one, so a verdict can name the file and the problem.
 */

#include <glib.h>

/* How a source of facts fared. Anything but SOURCE_OK leaves its facts unknown. */
typedef enum {
        SOURCE_OK = 0,
        SOURCE_MISSING,   /* the file, directory or device does not exist */
        SOURCE_DENIED,    /* EACCES / EPERM */
        SOURCE_INVALID,   /* present, but its content could not be parsed */
        SOURCE_ERROR,     /* any other failure (I/O error, connection refused, ...) */
} SourceStatus;

typedef struct {
        SourceStatus status;
        char *detail;     /* for people: which path and what was wrong; NULL when OK */
} Source;

void source_set(Source *s, SourceStatus status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void source_clear(Source *s);
const char *source_status_to_string(SourceStatus s);
