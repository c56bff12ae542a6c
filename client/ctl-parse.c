/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One command-line parser for memcryptctl and its offline verbs (ctl-parse.h). */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "ctl-args.h"
#include "ctl-output.h"
#include "ctl-parse.h"

int ctl_usage(const char *verb, const char *fmt, ...) {
        va_list ap;

        if (verb)
                fprintf(stderr, "memcryptctl %s: ", verb);
        else
                fputs("memcryptctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (verb)
                fprintf(stderr, " (see 'memcryptctl %s --help').\n", verb);
        else
                fputs("\nTry 'memcryptctl --help' for more information.\n", stderr);
        return -CTL_EXIT_USAGE;
}

static bool parse_json_mode(const char *arg, JsonMode *ret) {
        if (!arg || strcmp(arg, "pretty") == 0)
                *ret = JSON_PRETTY;
        else if (strcmp(arg, "short") == 0)
                *ret = JSON_SHORT;
        else if (strcmp(arg, "off") == 0)
                *ret = JSON_OFF;
        else
                return false;
        return true;
}

static const CtlValue *find_value(const CtlCommand *cmd, int c) {
        for (const CtlValue *v = cmd->values; v && v->id; v++)
                if (v->id == c)
                        return v;
        return NULL;
}

/* "--NAME" of the option C, for messages. */
static const char *option_name(const CtlCommand *cmd, int c, char buf[static 64]) {
        for (const struct option *o = cmd->options; o->name; o++)
                if (o->val == c) {
                        g_snprintf(buf, 64, "--%s", o->name);
                        return buf;
                }
        g_assert_not_reached();
}

static int set_value(const CtlCommand *cmd, const CtlValue *v, const char *arg, void *args) {
        void *field = (char *) args + v->offset;
        bool *has = (bool *) ((char *) args + v->has_offset);
        char name[64];

        switch (v->kind) {
        case CTL_VALUE_STRING:
                if (*(char **) field)
                        return ctl_usage(cmd->verb, "%s is given twice", option_name(cmd, v->id, name));
                *(char **) field = g_strdup(arg);
                return 0;
        case CTL_VALUE_NUMBER:
                if (*has)
                        return ctl_usage(cmd->verb, "%s is given twice", option_name(cmd, v->id, name));
                if (!parse_uint64(arg, field) || *(uint64_t *) field > v->max)
                        return ctl_usage(cmd->verb, "%s %s: not a number from 0 to %" PRIu64 "%s",
                                         option_name(cmd, v->id, name), arg, v->max, cmd->number_note ?: "");
                *has = true;
                return 0;
        case CTL_VALUE_JSON:
                if (!parse_json_mode(arg, field))
                        return ctl_usage(cmd->verb, "unknown --json mode '%s' (pretty, short, off)", arg);
                return 0;
        }
        g_assert_not_reached();
}

int ctl_parse(const CtlCommand *cmd, int argc, char *argv[], void *args, uint64_t *ret_given) {
        g_autofree char *shortopts = g_strconcat(":", cmd->shortopts, NULL);
        uint64_t given = 0;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shortopts, cmd->options, NULL)) >= 0) {
                const CtlValue *v = find_value(cmd, c);

                if (c == ':')
                        return ctl_usage(cmd->verb, "option '%s' needs a value", argv[optind - 1]);
                if (c == '?')
                        return ctl_usage(cmd->verb, "unrecognized option '%s'", argv[optind - 1]);
                if (c == 'h') {
                        cmd->help();
                        return 0;
                }
                if (c == CTL_ARG_VERSION) {
                        printf("memcryptctl %s\n", MEMCRYPT_VERSION);
                        return 0;
                }
                if (c > CTL_ARG_VERSION && c - CTL_ARG_VERSION < 64)
                        given |= UINT64_C(1) << (c - CTL_ARG_VERSION);
                g_assert(v || cmd->handle);
                r = v ? set_value(cmd, v, optarg, args) : cmd->handle(c, optarg, args);
                if (r < 0)
                        return r;
        }
        if (ret_given)
                *ret_given = given;
        r = cmd->check ? cmd->check(args, argc, argv) : 0;
        return r < 0 ? r : 1;
}

void ctl_values_clear(const CtlCommand *cmd, void *args) {
        for (const CtlValue *v = cmd->values; v && v->id; v++)
                if (v->kind == CTL_VALUE_STRING)
                        g_clear_pointer((char **) ((char *) args + v->offset), g_free);
}
