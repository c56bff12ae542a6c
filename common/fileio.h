/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading host files relative to a host root, with a size cap on every read.
 * A snapshot directory and "/" go through the same functions, so a replayed
 * host and a live one can never be read differently.
 */

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

#include "source.h"

/* The largest file any probe reads. Bigger files are refused, not truncated. */
#define HOST_FILE_MAX ((size_t) 1024 * 1024)

/* Whether ROOT is the live host ("/" or NULL) rather than a snapshot. */
bool probe_root_is_live(const char *root);

/*
 * Opens REL (relative, or absolute as seen from inside the root) under ROOT with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): symlinks and ".." resolve as if ROOT were
 * "/", so no file outside a snapshot root is ever opened, whatever links it holds. FLAGS are
 * open()'s (O_CLOEXEC is added). Returns the fd, or -1 with errno: EXDEV when REL is missing
 * inside the root because a link leads out of it (host_strerror() says so). Every read of a
 * host file goes through here: files, directories, existence checks, inotify watches.
 */
int root_open(const char *root, const char *rel, int flags);

/*
 * What root_open() does where openat2() is missing (Linux before 5.6, valgrind 3.19): PATH
 * resolved under ROOTFD one step at a time with O_NOFOLLOW, each link read and resolved inside
 * the root by hand; *LEFT says whether a link or ".." tried to leave it. -1 with errno.
 */
int root_open_walk(int rootfd, const char *path, int flags, bool *left);

/* root_open() of a directory as a stream (closedir() it), or NULL with errno. */
DIR *root_opendir(const char *root, const char *rel);

/* Whether REL is a directory under ROOT (links resolved inside ROOT). */
bool root_is_dir(const char *root, const char *rel);

/* g_strerror(), and for EXDEV (see root_open()) that a link leads out of the root. */
const char *host_strerror(int err);

/* Whether SRC (from host_read_file()) is missing because a link leads out of the root: a caller
 * that words its own "missing" reason keeps this one instead. */
bool source_left_root(const Source *src);

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
