/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libmemcrypt's private state, shared by its source files; never installed. */

#include <stdlib.h>
#include <systemd/sd-bus.h>

#include "memcrypt/memcrypt.h"

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
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
};

/* Forget the last error; every public entry point calls this first. */
void client_reset_error(MemcryptClient *c);
/* Remember ERROR (a D-Bus error) if set, else an errno-named error for R. Returns R. */
int client_set_error(MemcryptClient *c, const sd_bus_error *error, int r);
/* Remember a library-side failure with NAME and a formatted message. Returns R. */
int client_set_errorf(MemcryptClient *c, int r, const char *name, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

/* Call MEMBER on the service with the arguments of TYPES. Failures are remembered on C. */
int client_call(MemcryptClient *c, const char *path, const char *interface, const char *member,
                sd_bus_message **ret_reply, const char *types, ...);

/* Reads an array of structs of N_STRINGS strings (CONTENTS, e.g. "(sss)") into a new array
 * of ELEMENT_SIZE-byte structs made of exactly N_STRINGS char* fields (MemcryptDomain,
 * MemcryptReason, MemcryptCheck). */
int client_read_string_structs(sd_bus_message *m, const char *contents, size_t n_strings,
                               size_t element_size, void **ret, size_t *ret_n);
