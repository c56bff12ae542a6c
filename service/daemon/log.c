/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "log.h"

/* GLib's levels as syslog priorities (sd-daemon.h's SD_* prefixes). */
static const char *priority_prefix(GLogLevelFlags level) {
        if (level & G_LOG_LEVEL_ERROR)
                return SD_CRIT;
        if (level & G_LOG_LEVEL_CRITICAL)
                return SD_ERR;
        if (level & G_LOG_LEVEL_WARNING)
                return SD_WARNING;
        if (level & G_LOG_LEVEL_MESSAGE)
                return SD_NOTICE;
        if (level & G_LOG_LEVEL_INFO)
                return SD_INFO;
        return SD_DEBUG;
}

char *log_format(GLogLevelFlags log_level, const char *message, bool journal, bool debug) {
        if ((log_level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) && !debug)
                return NULL;
        return g_strdup_printf("%smemcryptd: %s\n", journal ? priority_prefix(log_level) : "", message ?: "");
}

/* systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream stderr was connected to; a child
 * whose stderr was redirected elsewhere must not write prefixes into that other file. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static bool journal, debug;

static GLogWriterOutput writer(GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data) {
        const char *message = NULL;

        for (gsize i = 0; i < n_fields; i++)
                if (g_str_equal(fields[i].key, "MESSAGE"))
                        message = fields[i].value;
        g_autofree char *line = log_format(log_level, message, journal, debug);
        if (line) {
                fputs(line, stderr);
                fflush(stderr);
        }
        return G_LOG_WRITER_HANDLED;
}

void log_error(const char *fmt, ...) {
        g_autofree char *message = NULL, *line = NULL;
        va_list ap;

        va_start(ap, fmt);
        message = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        line = log_format(G_LOG_LEVEL_CRITICAL, message, journal, debug);
        fputs(line, stderr);
        fflush(stderr);
}

void log_setup(void) {
        journal = stderr_is_journal();
        debug = getenv("G_MESSAGES_DEBUG") != NULL;
        g_log_set_writer_func(writer, NULL, NULL);
}
