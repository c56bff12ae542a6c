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

void domain_event_free(DomainEvent *e) {
        if (!e)
                return;
        running_domain_free(e->domain);
        g_free(e);
}

/* A guest came or went: remembered for the per-guest signals of this refresh. */
static void on_domain_change(const RunningDomain *d, bool started, void *userdata) {
        Context *c = userdata;
        DomainEvent *e;

        if (d->model == MODEL_NONE)
                return;         /* not an encrypted guest: RunningDomains counts it */
        e = g_new0(DomainEvent, 1);
        e->started = started;
        e->domain = g_new0(RunningDomain, 1);
        *e->domain = (RunningDomain) { g_strdup(d->name), g_strdup(d->uuid), d->model };
        g_ptr_array_add(c->domain_events, e);
}

/* The domain changes the libvirt thread queued since the last time, applied to LV's
 * table: O(changes). The first time, LV's table starts empty (a snapshot's own
 * domains/ give way to the live ones). */
static void take_keeper_changes(Context *c, LibvirtFacts *lv) {
        g_autofree char *problem = NULL;

        if (!c->following_domains) {
                domain_table_clear(lv->domains);
                c->following_domains = true;
        }
        if (libvirt_keeper_take_changes(c->libvirt, &lv->domains, on_domain_change, c, &problem))
                g_message("Compared all %u running domains with libvirt's after a backlog of domain events",
                          domain_table_size(lv->domains));
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
                /* The domains as the last state had them, brought up to date: no listing per refresh.
                 * Moved rather than copied when no job holds that state (it is dropped next), so a
                 * refresh never holds two tables of thousands of guests. */
                if (c->following_domains && c->state) {
                        DomainTable **last = &c->state->facts.libvirt.domains;

                        domain_table_free(f->libvirt.domains);
                        if (c->state->ref == 1) {
                                f->libvirt.domains = g_steal_pointer(last);
                                *last = domain_table_new();
                        } else
                                f->libvirt.domains = domain_table_copy(*last);
                }
                take_keeper_changes(c, &f->libvirt);
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
        else if (c->state)
                /* A snapshot read again: its guests that came or went, for their signals. */
                domain_table_diff(c->state->facts.libvirt.domains, f.libvirt.domains, on_domain_change, c);
        host_state_unref(c->state);
        c->state = g_new0(HostState, 1);
        c->state->ref = 1;
        c->state->facts = f;
        judge(c, c->state, values);
}

static void deliver_libvirt_change(Context *c, LibvirtChange what) {
        if (c->domain_batch)
                (void) sd_event_now(sd_event_source_get_event(c->domain_batch), CLOCK_MONOTONIC, &c->domain_batch_usec);
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

static int on_domain_batch(sd_event_source *s, uint64_t usec, void *userdata) {
        deliver_libvirt_change(userdata, LIBVIRT_CHANGED_DOMAINS);
        return 0;
}

/* A domain event after DOMAIN_BATCH_USEC without one is judged at once (no timer,
 * no wait); one that follows a judgement more closely waits until DOMAIN_BATCH_USEC
 * after it, together with every other event of that time. A lone start costs one
 * judgement, a storm one per DOMAIN_BATCH_USEC rather than one per guest, and no
 * event waits longer than DOMAIN_BATCH_USEC. */
static void on_libvirt_changed(LibvirtChange what, void *userdata) {
        Context *c = userdata;
        int enabled = SD_EVENT_OFF;
        uint64_t now = 0;

        if (what == LIBVIRT_CHANGED_DOMAINS && c->domain_batch) {
                if (sd_event_source_get_enabled(c->domain_batch, &enabled) >= 0 && enabled != SD_EVENT_OFF)
                        return;         /* a batch is already due: it takes this change too */
                if (c->domain_batch_usec > 0 &&
                    sd_event_now(sd_event_source_get_event(c->domain_batch), CLOCK_MONOTONIC, &now) >= 0 &&
                    now < c->domain_batch_usec + DOMAIN_BATCH_USEC &&
                    sd_event_source_set_time(c->domain_batch, c->domain_batch_usec + DOMAIN_BATCH_USEC) >= 0 &&
                    sd_event_source_set_enabled(c->domain_batch, SD_EVENT_ONESHOT) >= 0)
                        return;
        }
        /* A connection change is a full refresh, which takes the pending domain changes too. */
        if (what == LIBVIRT_CHANGED_CONNECTION && c->domain_batch)
                (void) sd_event_source_set_enabled(c->domain_batch, SD_EVENT_OFF);
        deliver_libvirt_change(c, what);
}

/* Follow libvirt live on the daemon's loop: on this host, or on a snapshot
 * when a URI was given explicitly (its domains then come from that URI). */
static void start_libvirt(Context *c, const ContextOptions *o) {
        bool live = probe_root_is_live(c->root);
        LibvirtKeeperOptions k = {
                .uri = c->config.libvirt_uri,
                .keepalive = o->libvirt_keepalive,
                .refresh_sec = c->config.refresh_interval_sec,
                .timeout_sec = c->config.libvirt_timeout_sec,
                .event = o->event,
                .changed = on_libvirt_changed,
                .userdata = c,
        };

        if (!o->event || o->no_libvirt || (!live && !o->libvirt_uri))
                return;
        if (sd_event_add_time(o->event, &c->domain_batch, CLOCK_MONOTONIC, 0, DOMAIN_BATCH_USEC / 4,
                              on_domain_batch, c) >= 0) {
                (void) sd_event_source_set_enabled(c->domain_batch, SD_EVENT_OFF);
                (void) sd_event_source_set_description(c->domain_batch, "domain-batch");
        }
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
        c->domain_events = g_ptr_array_new_with_free_func((GDestroyNotify) domain_event_free);
        start_libvirt(c, o);
        probe_and_judge(c, &c->values);
        /* The guests running at start are the state, not news. */
        g_ptr_array_set_size(c->domain_events, 0);
        return c;
}

Context *context_free(Context *c) {
        if (!c)
                return NULL;
        if (c->bus_free)
                c->bus_free(c->bus);
        libvirt_keeper_free(c->libvirt);
        c->domain_batch = sd_event_source_disable_unref(c->domain_batch);
        if (c->domain_events)
                g_ptr_array_unref(c->domain_events);
        property_values_clear(&c->values);
        g_free(c->describe_json);
        c->state = host_state_unref(c->state);
        memcrypt_config_clear(&c->config);
        g_free(c->root);
        g_free(c);
        return NULL;
}

/* After a refresh: the guests that came or went invalidate the EncryptedDomains list. */
static void note_domain_events(Context *c, ChangeSet *changes) {
        if (c->domain_events->len > 0)
                changes->manager |= UINT64_C(1) << MANAGER_ENCRYPTED_DOMAINS;
}

/* Judge the current state's facts again, in place. */
static void rejudge(Context *c, ChangeSet *changes) {
        PropertyValues fresh = {};
        ChangeSet local;

        changes = changes ?: &local;
        judge(c, c->state, &fresh);
        property_values_update(&c->values, &fresh, changes);
        property_values_clear(&fresh);
        note_domain_events(c, changes);
}

void context_refresh(Context *c, ChangeSet *changes) {
        PropertyValues fresh = {};
        ChangeSet local;

        changes = changes ?: &local;
        g_ptr_array_set_size(c->domain_events, 0);
        probe_and_judge(c, &fresh);
        property_values_update(&c->values, &fresh, changes);
        property_values_clear(&fresh);
        note_domain_events(c, changes);
}

void context_refresh_domains(Context *c, ChangeSet *changes) {
        if (c->state->ref > 1) {
                /* A job answers from this state: probe into a new one instead of changing it. */
                context_refresh(c, changes);
                return;
        }
        g_ptr_array_set_size(c->domain_events, 0);
        c->domain_batches++;
        if (c->libvirt && (libvirt_keeper_connected(c->libvirt) || libvirt_keeper_ever_connected(c->libvirt)))
                take_keeper_changes(c, &c->state->facts.libvirt);
        /* The kernel counts a guest's ASID from launch to exit: its view moves with the domains. */
        probe_misc_cgroup(c->root, &c->state->facts.misc);
        rejudge(c, changes);
        g_debug("Domain batch %" G_GUINT64_FORMAT ": %u encrypted guests came or went, one re-judgement",
                c->domain_batches, c->domain_events->len);
}

void context_rejudge(Context *c, ChangeSet *changes) {
        if (c->state->ref > 1) {
                context_refresh(c, changes);
                return;
        }
        g_ptr_array_set_size(c->domain_events, 0);
        rejudge(c, changes);
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
