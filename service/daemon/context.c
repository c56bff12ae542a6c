/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "build-config.h"
#include "context.h"
#include "export.h"
#include "report.h"

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

static char *format_realtime(uint64_t usec) {
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc((gint64) (usec / 1000000));

        return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("(unknown time)");
}

HostState *host_state_ref(HostState *s) {
        s->ref++;
        return s;
}

HostState *host_state_unref(HostState *s) {
        if (!s || --s->ref > 0)
                return NULL;
        g_clear_pointer(&s->verdict, host_verdict_free);
        host_facts_clear(&s->facts);
        g_free(s);
        return NULL;
}

static void take_keeper_domains(LibvirtKeeper *k, LibvirtFacts *lv) {
        g_autofree char *problem = NULL;

        g_ptr_array_unref(lv->domains);
        lv->domains = libvirt_keeper_domains(k, &problem);
        if (problem)
                source_set(&lv->domains_src, SOURCE_ERROR, "%s", problem);
        else
                source_clear(&lv->domains_src);
}

/* libvirt's part of fresh facts F, from what the daemon's connection read last
 * (no libvirt call here: the keeper's thread makes them). While the connection
 * is lost, that is what it said last, marked stale, with since when and why. On
 * a snapshot only the domains come from the connection. */
static void fill_libvirt(Context *c, HostFacts *f) {
        LibvirtKeeper *k = c->libvirt;
        const char *uri = libvirt_keeper_uri(k);
        uint64_t since = 0;
        g_autofree char *problem = libvirt_keeper_problem(k, &since);
        bool ever = libvirt_keeper_ever_connected(k);

        if (!problem || ever) {
                if (f->live)
                        libvirt_keeper_copy_probed(k, &f->libvirt);
                take_keeper_domains(k, &f->libvirt);
        }
        if (!problem) {
                source_clear(&f->libvirt.connection);
                return;
        }
        g_autofree char *when = format_realtime(since);
        if (ever) {
                f->libvirt.stale = true;
                source_set(&f->libvirt.connection, SOURCE_ERROR, "disconnected since %s: %s; reconnecting, and "
                           "answering from what libvirt said last", when, problem);
                return;
        }
        source_set(&f->libvirt.connection, SOURCE_ERROR, "not connected since %s: %s; retrying", when, problem);
        source_set(&f->libvirt.domains_src, SOURCE_MISSING, "no connection to %s", uri);
        if (f->live) {
                source_set(&f->libvirt.versions_src, SOURCE_MISSING, "no connection to %s", uri);
                source_set(&f->libvirt.domcaps.src, SOURCE_MISSING, "no connection to %s", uri);
        }
}

/* A new verdict on S's facts, in S (which no job holds). */
static void judge(Context *c, HostState *s, PropertyValues *values) {
        HostVerdict *v = host_verdict_new(&s->facts, &c->config);
        const char *export_problem = exporter_problem(c->exporter);

        if (export_problem)
                host_verdict_add_service_problem(v, export_problem);
        g_clear_pointer(&s->verdict, host_verdict_free);
        g_clear_pointer(&c->describe_json, g_free);
        s->verdict = v;
        c->last_refresh_usec = (uint64_t) g_get_real_time();
        property_values_build(values, &s->facts, s->verdict, c->last_refresh_usec);
}

/* Probe into a new state, then swap it in: readers never see a half-probed
 * host, and jobs keep the state they started with. */
static void probe_and_judge(Context *c, PropertyValues *values) {
        HostFacts f;

        host_facts_init(&f);
        probe_host(&c->probe, &f);
        if (c->libvirt)
                fill_libvirt(c, &f);
        host_state_unref(c->state);
        c->state = g_new0(HostState, 1);
        c->state->ref = 1;
        c->state->facts = f;
        judge(c, c->state, values);
}

static void on_libvirt_changed(LibvirtChange what, void *userdata) {
        Context *c = userdata;

        if (c->libvirt_changed) {
                c->libvirt_changed(c, what);
                return;
        }
        ChangeSet ignored;
        if (what == LIBVIRT_CHANGED_DOMAINS)
                context_refresh_domains(c, &ignored);
        else
                context_refresh(c, &ignored);
}

/* Follow libvirt live on the daemon's loop: on this host, or on a snapshot
 * when a URI was given explicitly (its domains then come from that URI). */
static void start_libvirt(Context *c, const ContextOptions *o) {
        bool live = probe_root_is_live(c->root);
        LibvirtKeeperOptions k = {
                .uri = c->config.libvirt_uri,
                .keepalive = o->libvirt_keepalive,
                .timeout_sec = c->config.libvirt_timeout_sec,
                .event = o->event,
                .changed = on_libvirt_changed,
                .userdata = c,
        };

        if (!o->event || o->no_libvirt || (!live && !o->libvirt_uri))
                return;
        c->libvirt = libvirt_keeper_new(&k);
        c->probe.libvirt_by_caller = live;
}

Context *context_new(const ContextOptions *o, char **error) {
        Context *c = g_new0(Context, 1);

        if (!load_config(c, o, error))
                return context_free(c);
        c->root = g_strdup(o->root ?: "/");
        c->probe = (ProbeOptions) {
                .root = c->root,
                .libvirt_uri = c->config.libvirt_uri,
                .skip_libvirt = o->no_libvirt,
        };
        start_libvirt(c, o);
        probe_and_judge(c, &c->values);
        return c;
}

Context *context_free(Context *c) {
        if (!c)
                return NULL;
        if (c->bus_free)
                c->bus_free(c);
        libvirt_keeper_free(c->libvirt);
        property_values_clear(&c->values);
        g_free(c->describe_json);
        c->state = host_state_unref(c->state);
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

void context_refresh_domains(Context *c, ChangeSet *changes) {
        if (c->state->ref > 1) {
                /* A job answers from this state: probe into a new one instead of changing it. */
                context_refresh(c, changes);
                return;
        }
        if (c->libvirt && (libvirt_keeper_connected(c->libvirt) || libvirt_keeper_ever_connected(c->libvirt)))
                take_keeper_domains(c->libvirt, &c->state->facts.libvirt);
        /* The kernel counts a guest's ASID from launch to exit: its view moves with the domains. */
        probe_misc_cgroup(c->root, &c->state->facts.misc);
        context_rejudge(c, changes);
}

void context_rejudge(Context *c, ChangeSet *changes) {
        PropertyValues fresh = {};

        if (c->state->ref > 1) {
                context_refresh(c, changes);
                return;
        }
        judge(c, c->state, &fresh);
        property_values_update(&c->values, &fresh, changes);
        property_values_clear(&fresh);
}

bool context_libvirt_connected(Context *c) {
        return c->libvirt && libvirt_keeper_connected(c->libvirt);
}

char *context_describe(const Context *c, bool pretty) {
        return report_to_json(&c->state->facts, c->state->verdict, pretty);
}

void context_reprobe_libvirt(Context *c) {
        if (c->libvirt)
                libvirt_keeper_reprobe(c->libvirt);
}

const char *context_describe_cached(Context *c) {
        /* The report reads only facts and verdict, and judge() replaces both together. */
        if (!c->describe_json)
                c->describe_json = context_describe(c, false);
        return c->describe_json;
}
