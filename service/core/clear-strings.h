/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * Frees each string the char ** arguments point to and sets it to NULL; the
 * list ends with NULL. Structs that own several strings clear them in one
 * statement instead of a g_free() line per field, so their free and clear
 * functions stay short and a new field is one more argument.
 */
void clear_strings(char **first, ...) G_GNUC_NULL_TERMINATED;
