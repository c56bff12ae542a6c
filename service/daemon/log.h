/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How the daemon's GLib log messages reach a person: one line "memcryptd: MESSAGE" on stderr,
 * without GLib's "(process:PID): WARNING **: time" decoration. When stderr is systemd's journal
 * stream ($JOURNAL_STREAM names it), each line starts with the sd-daemon priority prefix
 * ("<4>" for a warning), so `journalctl -p warning` finds it.
 */

#include <glib.h>
#include <stdbool.h>

/* Installs the writer for the whole process (g_log_set_writer_func: once, before any log). */
void log_setup(void);

/* A failure that ends the program, as a "memcryptd: ..." line with error priority under the journal
 * (usage errors stay plain: a person at a terminal made them). */
void log_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The line LOG_LEVEL and MESSAGE become; JOURNAL adds the priority prefix. Debug and info
 * messages are dropped (NULL) unless DEBUG is set (G_MESSAGES_DEBUG, as GLib's default writer). */
char *log_format(GLogLevelFlags log_level, const char *message, bool journal, bool debug);
