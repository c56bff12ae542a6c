/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>
#include <time.h>

#include "build-config.h"
#include "bus-polkit.h"
#include "context.h"
#include "report.h"

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000) + (uint64_t) ts.tv_nsec / 1000;
}

static bool load_config(Context *c, const ContextOptions *o, char **error) {
        memcrypt_config_init(&c->config);
        if (!memcrypt_config_load(&c->config, o->config_path ?: MEMCRYPT_CONFIG_FILE, o->config_path != NULL, error))
                return false;
        if (o->libvirt_uri) {
                g_free(c->config.libvirt_uri);
                c->config.libvirt_uri = g_strdup(o->libvirt_uri);
        }
        if (o->node_name) {
                g_free(c->config.node_name);
                c->config.node_name = g_strdup(o->node_name);
        }
        return true;
}

/* Probe into fresh facts, then swap them in: readers never see a half-probed host. */
static void probe_and_judge(Context *c, PropertyValues *values) {
        HostFacts f;
        HostVerdict *v;

        host_facts_init(&f);
        probe_host(&c->probe, &f);
        v = host_verdict_new(&f, &c->config);

        host_facts_clear(&c->facts);
        c->facts = f;
        g_clear_pointer(&c->verdict, host_verdict_free);
        c->verdict = v;
        c->last_refresh_usec = now_realtime_usec();
        property_values_build(values, &c->facts, c->verdict, c->last_refresh_usec);
        /* A probe allocates and frees ~0.5 MiB (parsed XML and JSON); give it back to
         * the system instead of holding it for the whole life of an idle daemon. */
        malloc_trim(0);
}

Context *context_new(const ContextOptions *o, char **error) {
        Context *c = g_new0(Context, 1);

        host_facts_init(&c->facts);
        if (!load_config(c, o, error))
                return context_free(c);
        c->root = g_strdup(o->root ?: "/");
        c->probe = (ProbeOptions) {
                .root = c->root,
                .libvirt_uri = c->config.libvirt_uri,
                .skip_libvirt = o->no_libvirt,
        };
        c->authorize = polkit_authorize;
        probe_and_judge(c, &c->values);
        return c;
}

Context *context_free(Context *c) {
        if (!c)
                return NULL;
        polkit_registry_free(c->polkit);
        property_values_clear(&c->values);
        g_clear_pointer(&c->verdict, host_verdict_free);
        host_facts_clear(&c->facts);
        memcrypt_config_clear(&c->config);
        g_free(c->root);
        g_free(c);
        return NULL;
}

void context_refresh(Context *c, ChangeSet *changes) {
        PropertyValues fresh = {};

        probe_and_judge(c, &fresh);
        property_values_update(&c->values, &fresh, changes);
        property_values_clear(&fresh);
}

virConnectPtr context_libvirt_connection(Context *c) {
        return NULL; /* the connection keeper (issue 5) replaces this */
}

char *context_describe(const Context *c, bool pretty) {
        return report_to_json(&c->facts, c->verdict, pretty);
}
