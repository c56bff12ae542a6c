/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One command-line parser for memcryptctl and its offline verbs (measure, attest verify):
 * getopt_long() with their usage errors, --help and --version, and the values a table can take
 * (a string given once, a number given once, --json's mode). What is particular to a command is
 * its CtlCommand.handle.
 */

#include <getopt.h>
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

enum { CTL_EXIT_USAGE = 2 };

/* The value of "version" in an option table; the other long options follow it (getopt values from
 * CTL_ARG_VERSION up to CTL_ARG_VERSION + 63, which ctl_parse()'s RET_GIVEN reports). */
enum { CTL_ARG_VERSION = 0x100 };

/* A usage error on stderr, returning -CTL_EXIT_USAGE. For memcryptctl itself (VERB NULL):
 * "memcryptctl: MESSAGE" and a line on where help is; for an offline VERB:
 * "memcryptctl VERB: MESSAGE (see 'memcryptctl VERB --help')." */
int ctl_usage(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

typedef enum {
        CTL_VALUE_STRING,       /* char * at OFFSET, given once */
        CTL_VALUE_NUMBER,       /* uint64_t at OFFSET from 0 to MAX (decimal or 0x hex), given once:
                                 * its bool at HAS_OFFSET */
        CTL_VALUE_JSON,         /* JsonMode at OFFSET: pretty (also a bare --json), short, off */
} CtlValueKind;

typedef struct {
        int id;                 /* the option's value in the getopt table; 0 ends a table */
        CtlValueKind kind;
        size_t offset, has_offset;
        uint64_t max;
} CtlValue;

typedef struct {
        const char *verb;                       /* NULL: memcryptctl itself */
        const char *shortopts;                  /* getopt's, without the leading ':' */
        const struct option *options;
        const CtlValue *values;                 /* the options taken into the args by the table */
        const char *number_note;                /* after "not a number from 0 to MAX" */
        void (*help)(void);
        /* Every other option with its value (NULL: none): 0 to go on, negative: -exit status. */
        int (*handle)(int c, const char *arg, void *args);
        /* What is left to check once all options are read, with the words from optind on (may be
         * NULL): 0 or -exit status. */
        int (*check)(void *args, int argc, char *argv[]);
} CtlCommand;

/* ARGV's options into ARGS (getopt permutes: options may follow words), then CHECK. 1: all
 * read, optind at the first word; 0: --help or --version printed all that was asked;
 * -CTL_EXIT_USAGE: a usage error was printed, or HANDLE's or CHECK's negative return. RET_GIVEN (may be NULL): bit i for each long
 * option of value CTL_ARG_VERSION + i that was given. */
int ctl_parse(const CtlCommand *cmd, int argc, char *argv[], void *args, uint64_t *ret_given);

/* Frees the strings CMD's table put into ARGS. */
void ctl_values_clear(const CtlCommand *cmd, void *args);

/* g_auto(TYPE) for a verb's args struct: ctl_values_clear() with its COMMAND. */
#define CTL_DEFINE_ARGS_CLEANUP(type, command)                          \
        static void type##_clear(type *a) {                             \
                ctl_values_clear(&(command), a);                        \
        }                                                               \
        G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(type, type##_clear)
