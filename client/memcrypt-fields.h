/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where MemcryptModel and MemcryptHost hold each property of common/schema.h: the field of the
 * row's name, of the C type its kind has on this side (checked here, at compile time). Used by
 * libmemcrypt to fill and free the structs and by memcryptctl to print them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memcrypt/memcrypt.h"
#include "schema.h"

#define CLIENT_IS(e, t)     __builtin_types_compatible_p(__typeof__(e), t)
#define CLIENT_STRING(e)    CLIENT_IS(e, char *)
#define CLIENT_BOOL(e)      CLIENT_IS(e, bool)
#define CLIENT_U32(e)       CLIENT_IS(e, uint32_t)
#define CLIENT_U64(e)       CLIENT_IS(e, uint64_t)
#define CLIENT_POLICY(e)    CLIENT_IS(e, uint64_t)
#define CLIENT_STRV(e)      CLIENT_IS(e, char **)
#define CLIENT_REASONS(e)   CLIENT_IS(e, MemcryptReason *)
#define CLIENT_DOMAINS(e)   CLIENT_IS(e, MemcryptDomain *)

#define CLIENT_CHECK_FIELD(type, field, kind) \
        _Static_assert(CLIENT_##kind(((type *) NULL)->field), \
                       #type "." #field " does not hold a " #kind " (common/schema.h)");
#define CLIENT_CHECK_MODEL(id, field, name, kind, ...) CLIENT_CHECK_FIELD(MemcryptModel, field, kind)
#define CLIENT_CHECK_HOST(id, field, name, kind, ...) CLIENT_CHECK_FIELD(MemcryptHost, field, kind)
MODEL_PROPERTIES(CLIENT_CHECK_MODEL)
MANAGER_PROPERTIES(CLIENT_CHECK_HOST)

/* The initializer of a size_t[_MODEL_PROPERTY_MAX]: each property's offset in MemcryptModel. */
#define CLIENT_MODEL_OFFSET(id, field, ...) [MODEL_PROP_##id] = offsetof(MemcryptModel, field),
#define MEMCRYPT_MODEL_OFFSETS { MODEL_PROPERTIES(CLIENT_MODEL_OFFSET) }
