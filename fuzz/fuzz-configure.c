/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ConfigureDomain(s domain_xml, s model, a{sv} options): the input is the
 * domain XML as sd-bus delivers it; every model runs on the host where it
 * is usable, with one of four option sets (picked by the input's length).
 * A configured document must be a bus string and a <domain>, configure
 * again to itself (docs/testing.md: a fixpoint; whitespace next to tags aside), and
 * validate without an error finding for that model.
 */
#include "fuzz-host.h"
#include "fuzz-util.h"

#define MESSAGE_MAX 1024

static const char *const option_sets[][2] = {
        /* ConfigureDomain's options, then ValidateDomain's for the result (model added). */
        { NULL, "@a{sv} {}" },
        { "{'keep_balloon': <true>}", "{'keep_balloon': <true>}" },
        { "{'kernel_hashes': <false>}", "@a{sv} {}" },
        { "{'allow_debug': <true>}", "{'allow_debug': <true>}" },
};

static GVariant *parse_options(const char *text) {
        return text ? g_variant_ref_sink(g_variant_new_parsed(text)) : NULL;
}

static GVariant *validate_options(const char *text, Model m) {
        g_autoptr(GVariant) base = parse_options(text);
        GVariantBuilder b;
        GVariantIter iter;
        const char *key;
        GVariant *value;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_iter_init(&iter, base);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
                g_variant_builder_add(&b, "{sv}", key, value);
                g_variant_unref(value);
        }
        g_variant_builder_add(&b, "{sv}", "model", g_variant_new_string(model_name(m)));
        return g_variant_ref_sink(g_variant_builder_end(&b));
}

/*
 * A and B equal but for whitespace next to a tag. libxml2 indents an element
 * only when it has no text of its own, so an element with mixed content
 * (<disk>text<driver/>...) keeps its whitespace once and loses it when the
 * output is parsed again: formatting, not a change of the domain.
 */
static bool same_but_blanks(const char *a, const char *b) {
        static GRegex *re;      /* compiled once, kept for the run */

        if (!re)
                re = g_regex_new("\\s*(<|>)\\s*", G_REGEX_OPTIMIZE, 0, NULL);
        g_autofree char *x = NULL, *y = NULL;

        x = g_regex_replace(re, a, -1, 0, "\\1", 0, NULL);
        y = g_regex_replace(re, b, -1, 0, "\\1", 0, NULL);

        return x && y && g_str_equal(x, y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *xml = fuzz_bus_string(data, size);
        size_t set = size % G_N_ELEMENTS(option_sets);
        g_autoptr(GVariant) options = NULL;

        if (!xml)
                return 0;
        fuzz_hosts_load();
        options = parse_options(option_sets[set][0]);

        for (Model m = 0; m < _MODEL_MAX; m++) {
                const HostView *h = fuzz_host_for(m);
                g_autofree char *out = NULL, *again = NULL, *message = NULL, *message2 = NULL, *message3 = NULL;
                g_autoptr(GVariant) vopts = validate_options(option_sets[set][1], m);
                g_autoptr(GPtrArray) findings = NULL;
                ApiError e = domain_configure(xml, m, options, h, &out, &message);

                if (e != API_OK) {
                        FUZZ_ASSERT(!out && e < _API_ERROR_MAX);
                        fuzz_check_bus_text(message);
                        FUZZ_ASSERT(strlen(message) <= MESSAGE_MAX);
                        continue;
                }
                FUZZ_ASSERT(!message);
                fuzz_check_bus_text(out);

                e = domain_configure(out, m, options, h, &again, &message2);
                if (e != API_OK) {
                        fprintf(stderr, "configuring the result again fails: %s: %s\n%s\n", api_error_name(e),
                                message2, out);
                        abort();
                }
                if (!same_but_blanks(out, again)) {
                        fprintf(stderr, "configure is not a fixpoint for %s:\n--- once\n%s\n--- twice\n%s\n",
                                model_name(m), out, again);
                        abort();
                }

                e = domain_validate(out, vopts, h, &findings, &message3);
                if (e != API_OK) {
                        fprintf(stderr, "validating the result fails: %s: %s\n", api_error_name(e), message3);
                        abort();
                }
                for (guint i = 0; i < findings->len; i++) {
                        const Finding *f = findings->pdata[i];
                        if (f->severity == SEVERITY_ERROR) {
                                fprintf(stderr, "the configured %s domain has an error finding: %s at %s: %s\n%s\n",
                                        model_name(m), f->code, f->where, f->message, out);
                                abort();
                        }
                }
        }
        return 0;
}
