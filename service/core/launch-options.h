/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The a{sv} options of GenerateLaunchSecurity(), ConfigureDomain() and
 * ValidateDomain(), parsed and checked once. Unknown keys and wrong types
 * are errors, never ignored: a typo must not silently give a default.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "api-error.h"
#include "model.h"

typedef enum {
        OPTIONS_LAUNCH,         /* GenerateLaunchSecurity() */
        OPTIONS_CONFIGURE,      /* ConfigureDomain(): the launch keys + keep_balloon */
        OPTIONS_VALIDATE,       /* ValidateDomain(): model, keep_balloon */
} OptionsScope;

/* Decoded sizes of the SEV-SNP blobs (SNP firmware ABI; libvirt checks the same). */
#define SNP_HOST_DATA_SIZE 32u
#define SNP_ID_BLOCK_SIZE 96u
#define SNP_ID_AUTH_SIZE 4096u
#define SNP_GOSVW_SIZE 16u
/* SEV/SEV-ES blobs have no fixed size; this caps what we accept. */
#define SEV_BLOB_MAX 65536u

typedef struct {
        bool has_policy;
        uint64_t policy;
        int kernel_hashes;      /* -1 unset, 0, 1 */
        bool allow_debug;       /* permit the SNP DEBUG / SEV debugging policy bit */
        bool keep_balloon;      /* keep a virtio memballoon (with iommu) instead of model none */
        Model model;            /* ValidateDomain(): the model to check for; MODEL_INVALID unset */
        /* Base64 as given, already checked. SEV/SEV-ES: */
        char *dh_cert, *session;
        /* SEV-SNP: */
        char *host_data, *id_block, *id_auth, *guest_visible_workarounds;
        int author_key, vcek;   /* -1 unset, 0, 1 */
} LaunchOptions;

void launch_options_clear(LaunchOptions *o);

/*
 * OPTIONS is an a{sv} GVariant or NULL (no options). Integer options take
 * any unsigned or non-negative signed integer type. Checks that do not
 * depend on the model: types, base64, blob sizes, author_key needing id_auth.
 */
ApiError launch_options_parse(GVariant *options, OptionsScope scope, LaunchOptions *ret, char **message);

/* Refuses keys that do not apply to M (dh_cert with SEV-SNP, id_block with SEV, ...). */
ApiError launch_options_check_model(const LaunchOptions *o, Model m, char **message);

/*
 * Checks that B64 is canonical base64 and decodes to EXACT bytes (or, when
 * EXACT is 0, to 1..SEV_BLOB_MAX bytes). WHAT names it in the message.
 */
ApiError blob_check(const char *what, const char *b64, gsize exact, char **message);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LaunchOptions, launch_options_clear)
