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

static const CtlOption *find_option(const CtlCommand *cmd, int c) {
        for (const CtlOption *o = cmd->options; o->name; o++)
                if (o->id == c)
                        return o;
        return NULL;
}

static int has_arg(const CtlOption *o) {
        return o->kind == CTL_OPT_FLAG ? no_argument : o->kind == CTL_OPT_JSON ? optional_argument : required_argument;
}

/* getopt_long()'s tables of CMD: the short options (those with a letter, after ':') and the long. */
static struct option *getopt_table(const CtlCommand *cmd, char **ret_shortopts) {
        g_autoptr(GString) shortopts = g_string_new(":");
        g_autoptr(GArray) longopts = g_array_new(TRUE, TRUE, sizeof(struct option));

        for (const CtlOption *o = cmd->options; o->name; o++) {
                struct option l = { o->name, has_arg(o), NULL, o->id };

                if (o->id < CTL_ARG_VERSION) {
                        g_assert(o->kind == CTL_OPT_FLAG);
                        g_string_append_c(shortopts, (char) o->id);
                }
                g_array_append_val(longopts, l);
        }
        *ret_shortopts = g_string_free(g_steal_pointer(&shortopts), FALSE);
        return (struct option *) (void *) g_array_free(g_steal_pointer(&longopts), FALSE);
}

static int set_value(const CtlCommand *cmd, const CtlOption *o, const char *arg, void *args) {
        void *field = (char *) args + o->offset;
        bool *has = (bool *) ((char *) args + o->has_offset);

        switch (o->kind) {
        case CTL_OPT_STRING:
                if (*(char **) field)
                        return ctl_usage(cmd->verb, "--%s is given twice", o->name);
                *(char **) field = g_strdup(arg);
                return 0;
        case CTL_OPT_NUMBER:
                if (*has)
                        return ctl_usage(cmd->verb, "--%s is given twice", o->name);
                if (!parse_uint64(arg, field) || *(uint64_t *) field > o->max)
                        return ctl_usage(cmd->verb, "--%s %s: not a number from 0 to %" PRIu64 "%s", o->name, arg,
                                         o->max, cmd->number_note ?: "");
                *has = true;
                return 0;
        case CTL_OPT_JSON:
                if (!parse_json_mode(arg, field))
                        return ctl_usage(cmd->verb, "unknown --json mode '%s' (pretty, short, off)", arg);
                return 0;
        case CTL_OPT_FLAG:
        case CTL_OPT_WORD:
                return cmd->handle(o->id, arg, args);
        }
        g_assert_not_reached();
}

int ctl_parse(const CtlCommand *cmd, int argc, char *argv[], void *args, uint64_t *ret_given) {
        g_autofree char *shortopts = NULL;
        g_autofree struct option *longopts = getopt_table(cmd, &shortopts);
        uint64_t given = 0;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0) {
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
                r = set_value(cmd, find_option(cmd, c), optarg, args);
                if (r < 0)
                        return r;
        }
        if (ret_given)
                *ret_given = given;
        r = cmd->check ? cmd->check(args, argc, argv) : 0;
        return r < 0 ? r : 1;
}

static bool takes_value(const CtlCommand *const *commands, const char *arg) {
        if (!g_str_has_prefix(arg, "--") || strchr(arg, '='))
                return false;
        for (const CtlCommand *const *c = commands; *c; c++)
                for (const CtlOption *o = (*c)->options; o->name; o++)
                        if (has_arg(o) == required_argument && strcmp(arg + 2, o->name) == 0)
                                return true;
        return false;
}

void ctl_offline_words(int argc, char *argv[], const CtlCommand *const *commands, const char **ret_w1,
                       const char **ret_w2) {
        const char *words[2] = {};
        unsigned n = 0;
        bool rest = false;

        for (int i = 1; i < argc && n < 2; i++) {
                if (!rest && strcmp(argv[i], "--") == 0)
                        rest = true;
                else if (rest || argv[i][0] != '-')
                        words[n++] = argv[i];
                else if (takes_value(commands, argv[i]))
                        i++;
        }
        *ret_w1 = words[0];
        *ret_w2 = words[1];
}

void ctl_values_clear(const CtlCommand *cmd, void *args) {
        for (const CtlOption *o = cmd->options; o->name; o++)
                if (o->kind == CTL_OPT_STRING)
                        g_clear_pointer((char **) ((char *) args + o->offset), g_free);
}
