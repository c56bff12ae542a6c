/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One command-line parser for memcryptctl and its offline verbs (measure, attest verify): one
 * table per command of its options, from which getopt_long()'s table is made and which takes
 * the values it can (a string given once, a number given once, --json's mode); the usage errors,
 * --help and --version. What is particular to a command is its CtlCommand.handle and .check.
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
        CTL_OPT_FLAG,           /* no value; for the handler ('h' and CTL_ARG_VERSION: the parser's) */
        CTL_OPT_WORD,           /* a value, for the handler */
        CTL_OPT_STRING,         /* a value into the char * at OFFSET, given once */
        CTL_OPT_NUMBER,         /* a value into the uint64_t at OFFSET from 0 to MAX (decimal or 0x
                                 * hex), given once: its bool at HAS_OFFSET */
        CTL_OPT_JSON,           /* an optional value into the JsonMode at OFFSET: pretty (also a bare
                                 * --json), short, off */
} CtlOptionKind;

typedef struct {
        const char *name;       /* the long option; NULL ends a table */
        int id;                 /* getopt's value: a short option's letter, or CTL_ARG_VERSION + n */
        CtlOptionKind kind;
        size_t offset, has_offset;
        uint64_t max;
} CtlOption;

#define CTL_FLAG(name, id)                      { name, id, CTL_OPT_FLAG, 0, 0, 0 }
#define CTL_WORD(name, id)                      { name, id, CTL_OPT_WORD, 0, 0, 0 }
#define CTL_STRING(name, id, type, field)       { name, id, CTL_OPT_STRING, offsetof(type, field), 0, 0 }
#define CTL_NUMBER(name, id, type, field, has, max) \
        { name, id, CTL_OPT_NUMBER, offsetof(type, field), offsetof(type, has), max }
#define CTL_JSON(name, id, type, field)         { name, id, CTL_OPT_JSON, offsetof(type, field), 0, 0 }

typedef struct {
        const char *verb;                       /* NULL: memcryptctl itself */
        const CtlOption *options;
        const char *number_note;                /* after "not a number from 0 to MAX" */
        void (*help)(void);
        /* The CTL_OPT_FLAG and CTL_OPT_WORD options but --help and --version, with their value
         * (NULL: none): 0 to go on, negative: -exit status. May be NULL when there are none. */
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

/* The first two words of ARGV after ARGV[0] that are neither options nor the value of an option
 * of one of COMMANDS (NULL-terminated) that takes one; NULL for a word not there. The offline
 * verbs (measure, attest verify) have options of their own, so memcryptctl finds them before it
 * parses its own. */
void ctl_offline_words(int argc, char *argv[], const CtlCommand *const *commands, const char **ret_w1,
                       const char **ret_w2);

/* Frees the strings CMD's table put into ARGS. */
void ctl_values_clear(const CtlCommand *cmd, void *args);

/* g_auto(TYPE) for a verb's args struct: ctl_values_clear() with its COMMAND. */
#define CTL_DEFINE_ARGS_CLEANUP(type, command)                          \
        static void type##_clear(type *a) {                             \
                ctl_values_clear(&(command), a);                        \
        }                                                               \
        G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(type, type##_clear)
