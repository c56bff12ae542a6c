/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading host files relative to a host root, with a size cap on every read.
 * A snapshot directory and "/" go through the same functions, so a replayed
 * host and a live one can never be read differently.
 */

#include <stddef.h>
#include "facts.h"

/* The largest file any probe reads. Bigger files are refused, not truncated. */
#define HOST_FILE_MAX ((size_t) 1024 * 1024)

/* root + "/" + rel, with duplicate slashes folded. Free with g_free(). */
char *host_path(const char *root, const char *rel);

/*
 * Reads ROOT/REL, at most MAX bytes. On success returns SOURCE_OK and a
 * NUL-terminated buffer in *out (length in *len if not NULL). Otherwise
 * returns the failure class and, if SRC is not NULL, records it there with
 * a message naming the host path (without the root prefix).
 */
SourceStatus host_read_file(const char *root, const char *rel, size_t max,
                            char **out, size_t *len, Source *src);

/* Like host_read_file(), then strips trailing white space. */
SourceStatus host_read_line(const char *root, const char *rel, char **out, Source *src);

/* Whether ROOT/REL exists (any type). */
bool host_path_exists(const char *root, const char *rel);

/* Maps an errno from open()/read() to a SourceStatus. */
SourceStatus source_status_from_errno(int err);

/*
 * Whether JSON nests at most MAX levels. json-glib 1.6 has no nesting limit
 * and recurses for every level, so a file of nothing but '[' exhausts the
 * stack: every probe checks this before handing untrusted JSON to it. Only
 * brackets outside strings are counted; json-glib still does the parsing.
 */
bool json_depth_within(const char *json, size_t len, unsigned max);

/*
 * Whether JSON is one object with nothing but whitespace after it, and every
 * escape in its strings valid (\uXXXX surrogates in pairs). json-glib 1.6
 * accepts a value followed by an object or array ("1 {}", "{} {}"), keeps one
 * of them and leaks the rest, and leaks a string on a malformed surrogate
 * pair: every probe checks this too.
 */
bool json_one_object(const char *json, size_t len);
