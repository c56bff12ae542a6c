/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libmemcrypt's private state, shared by its source files; never installed. */

#include <stdarg.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

#include "memcrypt/memcrypt.h"

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
}

/* Frees a NULL-terminated string vector; accepts NULL. */
static inline void strv_free(char **l) {
        for (char **i = l; i && *i; i++)
                free(*i);
        free(l);
}

struct MemcryptClient {
        sd_bus *bus;
        /* A bus daemon sits between us and the service: matches go to the daemon and
         * may name the sender; peer-to-peer messages carry no sender at all. */
        bool bus_client;

        char *error_name;
        char *error_message;

        /* memcrypt_monitor_start() */
        sd_bus_slot *monitor_slot;
        MemcryptSignalFunc monitor_callback;
        void *monitor_userdata;
        int monitor_stop;               /* the callback's non-zero return, 0 while running */
        /* memcrypt_monitor_domains() */
        MemcryptDomainFunc domain_callback;
        void *domain_userdata;
};

/* Forget the last error; every public entry point calls this first. */
void client_reset_error(MemcryptClient *c);
/* Remember ERROR (a D-Bus error) if set, else an errno-named error for R. Returns R. */
int client_set_error(MemcryptClient *c, const sd_bus_error *error, int r);
/* Remember a library-side failure with NAME and a formatted message. Returns R. */
int client_set_errorf(MemcryptClient *c, int r, const char *name, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

/* Call MEMBER on the service with the arguments of TYPES, then, for a method that takes options
 * (OPTIONS not NULL), *OPTIONS as an a{sv} (empty for a NULL *OPTIONS). Failures are remembered
 * on C. */
int client_call(MemcryptClient *c, const char *path, const char *interface, const char *member,
                const MemcryptOptions *const *options, sd_bus_message **ret_reply, const char *types, ...);
int client_callv(MemcryptClient *c, const char *path, const char *interface, const char *member,
                 const MemcryptOptions *const *options, sd_bus_message **ret_reply, const char *types, va_list ap);
/* The two halves of client_call(), for arguments that take more than one append: a new call of
 * MEMBER on the Manager, and sending it (RET_REPLY may be NULL). Failures are remembered on C. */
int client_new_manager_call(MemcryptClient *c, const char *member, sd_bus_message **ret);
int client_send(MemcryptClient *c, sd_bus_message *m, sd_bus_message **ret_reply);

/* Appends OPTIONS (NULL: none) as an a{sv} dictionary (memcrypt-options.c). */
int client_append_options(sd_bus_message *m, const MemcryptOptions *options);
