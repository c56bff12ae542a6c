/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ASID pools and slot accounting. SEV has its own pool; SEV-ES and SEV-SNP
 * share one (split only by ciphertext hiding). Totals: the kernel's misc
 * cgroup beats CPUID beats libvirt; in use: the kernel's misc.current beats
 * counting libvirt's running guests. Disagreements are warnings.
 */
#include "domain-table.h"
#include "eval.h"
#include "gates.h"

uint32_t ciphertext_hiding_split(const HostFacts *f) {
        uint32_t edx = f->cpuid.min_sev_asid, n = f->kvm.ciphertext_hiding_asids;

        if (f->kvm.module.status != SOURCE_OK || n == 0 || edx <= 1)
                return 0;
        return MIN(n, edx - 1);
}

uint32_t asid_pool(const HostFacts *f, Model m, uint32_t *first, uint32_t *last) {
        const CpuidFacts *c = &f->cpuid;
        uint32_t ecx = c->asid_count, edx = c->min_sev_asid, split = ciphertext_hiding_split(f);

        *first = *last = 0;
        if (!c->has_leaf_8000001f || ecx == 0 || edx == 0)
                return 0;
        if (m == MODEL_SEV) {
                if (edx > ecx)
                        return 0;
                *first = edx;
                *last = ecx;
        } else {
                if (edx <= 1)
                        return 0;
                *first = (m == MODEL_SEV_ES && split) ? split + 1 : 1;
                *last = (m == MODEL_SEV_SNP && split) ? split : edx - 1;
                if (*first > *last) {
                        *first = *last = 0;
                        return 0;
                }
        }
        return *last - *first + 1;
}

/* The shared view of one pool: totals from three sources, guests in use. */
typedef struct {
        int64_t kernel, cpuid, libvirt;   /* -1 = unknown */
        int64_t kernel_used;              /* misc.current, -1 = unknown */
        int64_t guests;                   /* libvirt's running guests in the pool, -1 = unknown */
} Pool;

/* A lost connection keeps its last domain list: a libvirtd restart stops no guest. */
static bool libvirt_domains_known(const HostFacts *f) {
        return (f->libvirt.connection.status == SOURCE_OK || f->libvirt.stale) &&
               f->libvirt.domains_src.status == SOURCE_OK;
}

static int64_t count_guests(const HostFacts *f, unsigned models) {
        int64_t n = 0;

        if (!libvirt_domains_known(f))
                return -1;
        /* Counted as domains come and go (domain-table.h): no walk over thousands of guests per event. */
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (models & MODEL_BIT(m))
                        n += domain_table_count(f->libvirt.domains, m);
        return n;
}

static Pool pool_of(const HostFacts *f, Model m) {
        uint32_t first, last;
        bool sev = m == MODEL_SEV;
        bool cpuid_ok = f->cpuid.src.status == SOURCE_OK && f->cpuid.has_leaf_8000001f;
        Pool p = {
                .kernel = sev ? f->misc.capacity_sev : f->misc.capacity_sev_es,
                .cpuid = -1,
                .libvirt = f->libvirt.domcaps.src.status == SOURCE_OK
                        ? (sev ? f->libvirt.domcaps.max_guests : f->libvirt.domcaps.max_es_guests) : -1,
                .kernel_used = sev ? f->misc.current_sev : f->misc.current_sev_es,
        };
        if (cpuid_ok) /* the whole shared ES/SNP pool, before any ciphertext-hiding split */
                p.cpuid = sev ? asid_pool(f, MODEL_SEV, &first, &last)
                              : (f->cpuid.min_sev_asid > 1 && f->cpuid.asid_count > 0 ? f->cpuid.min_sev_asid - 1 : 0);
        p.guests = count_guests(f, sev ? MODEL_BIT(MODEL_SEV)
                                       : MODEL_BIT(MODEL_SEV_ES) | MODEL_BIT(MODEL_SEV_SNP));
        return p;
}

static int64_t first_known(int64_t a, int64_t b, int64_t c) {
        return a >= 0 ? a : b >= 0 ? b : c;
}

static bool totals_disagree(const Pool *p) {
        int64_t v[] = { p->kernel, p->cpuid, p->libvirt }, seen = -1;

        for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
                if (v[i] < 0)
                        continue;
                if (seen >= 0 && v[i] != seen)
                        return true;
                seen = v[i];
        }
        return false;
}

static char *describe_counts(const Pool *p) {
        g_autoptr(GString) s = g_string_new(NULL);
        const char *names[] = { "kernel misc cgroup", "CPUID", "libvirt" };
        int64_t v[] = { p->kernel, p->cpuid, p->libvirt };

        for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
                if (v[i] >= 0)
                        g_string_append_printf(s, "%s%s %" G_GINT64_FORMAT, s->len ? ", " : "", names[i], v[i]);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static void fill_counts(Eval *e, Model m, const Pool *p) {
        ModelVerdict *mv = &e->v->models[m];
        uint32_t split = ciphertext_hiding_split(e->f);
        int64_t total = first_known(p->kernel, p->cpuid, p->libvirt);
        int64_t used = p->kernel_used >= 0 ? p->kernel_used : MAX(p->guests, 0);

        asid_pool(e->f, m, &mv->asid_first, &mv->asid_last);
        if (split && m != MODEL_SEV) {
                /* misc cannot tell the halves apart: size them from the split, count guests per model. */
                total = mv->asid_last ? mv->asid_last - mv->asid_first + 1 : 0;
                used = MAX(count_guests(e->f, MODEL_BIT(m)), 0);
        }
        mv->slots_total = (uint32_t) CLAMP(total, 0, UINT32_MAX);
        mv->slots_used = (uint32_t) CLAMP(used, 0, UINT32_MAX);
        mv->slots_free = mv->slots_total > mv->slots_used ? mv->slots_total - mv->slots_used : 0;
        /* Per model, whether or not the model is offered: a withheld model's guests still run. */
        mv->running_domains = (uint32_t) CLAMP(count_guests(e->f, MODEL_BIT(m)), 0, UINT32_MAX);
}

/* The misc cgroup present but unreadable or malformed: the count that wins is unknown. An absent
 * one (no misc controller, an old kernel) is no fault: CPUID and libvirt count instead. Returns
 * what went wrong with each file (g_free), or NULL. */
static char *misc_faults(const MiscCgroupFacts *misc) {
        const Source *sources[] = { &misc->capacity_src, &misc->current_src };
        g_autoptr(GString) s = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(sources); i++)
                if (sources[i]->status != SOURCE_OK && sources[i]->status != SOURCE_MISSING)
                        g_string_append_printf(s, "%s%s", s->len ? "; " : "", source_why(sources[i]));
        return s->len ? g_string_free(g_steal_pointer(&s), FALSE) : NULL;
}

/* Whether an earlier gate (or the conflict check) already keeps M from being offered. */
static bool withheld(const Eval *e, Model m) {
        const ModelVerdict *mv = &e->v->models[m];

        for (guint i = 0; i < mv->reasons->len; i++)
                if (((const Reason *) mv->reasons->pdata[i])->severity == SEVERITY_ERROR)
                        return true;
        return false;
}

/*
 * A model that is not offered has no slots: total, used and free are all 0 on every face (bus,
 * report, doctor, memcryptctl), so that no model shows more in use than it has. The shared
 * SEV-ES/SEV-SNP pool's guests are counted on the model of the pair that is offered, and the
 * check says what the pool holds.
 */
static void gate_withheld_slots(Eval *e, Model m, const char *pool) {
        ModelVerdict *mv = &e->v->models[m];
        uint32_t total = mv->slots_total, used = mv->slots_used;

        mv->slots_total = mv->slots_used = mv->slots_free = 0;
        eval_check(e, "slots", m, CATEGORY_COMPLIANCE, CHECK_SKIP, NULL, 0, NULL,
                   "%s is not offered here, so it has no slots (the %s pool holds %u guests of %u)", model_title(m),
                   pool, used, total);
}

static void gate_slots(Eval *e, Model m) {
        Pool p = pool_of(e->f, m);
        const char *pool = m == MODEL_SEV ? "SEV" : "SEV-ES/SEV-SNP";
        g_autofree char *misc = misc_faults(&e->f->misc);

        fill_counts(e, m, &p);
        if (eval_skipped(e, "slots", m, CATEGORY_COMPLIANCE)) {
                e->v->models[m].slots_total = e->v->models[m].slots_used = e->v->models[m].slots_free = 0;
                return;
        }
        if (misc) {
                eval_check(e, "slots", m, CATEGORY_COMPLIANCE, CHECK_UNKNOWN, "facts-unavailable", MODEL_BIT(m),
                           "Check /sys/fs/cgroup/misc.capacity and misc.current (the misc cgroup controller must be mounted "
                           "at the cgroup root)", "the kernel's %s ASID counts could not be read: %s", pool, misc);
                return;
        }
        if (withheld(e, m)) {
                gate_withheld_slots(e, m, pool);
                return;
        }
        g_autofree char *counts = describe_counts(&p);
        const ModelVerdict *mv = &e->v->models[m];
        if (totals_disagree(&p))
                eval_check(e, "slots", m, CATEGORY_COMPLIANCE, CHECK_WARN, "slots-disagree", MODEL_BIT(m),
                           "The kernel's count is used; restart libvirtd if its capability cache is stale, and check the BIOS "
                           "ASID settings if the kernel and CPUID differ",
                           "the %s pool size differs between sources (%s)", pool, counts);
        else if (p.kernel_used >= 0 && p.guests >= 0 && p.kernel_used != p.guests)
                eval_check(e, "slots", m, CATEGORY_COMPLIANCE, CHECK_WARN, "slots-disagree", MODEL_BIT(m),
                           "Look for QEMU processes outside libvirt (`ps -C qemu-system-x86_64`) or an ASID leaked by a crash",
                           "the kernel counts %" G_GINT64_FORMAT " %s ASIDs in use but libvirt runs %" G_GINT64_FORMAT
                           " such guests", p.kernel_used, pool, p.guests);
        else
                eval_check(e, "slots", m, CATEGORY_COMPLIANCE, CHECK_PASS, NULL, 0, NULL,
                           "%u of %u %s slots free (%s)", mv->slots_free, mv->slots_total, model_title(m),
                           *counts ? counts : "no source");
}

static void gate_conflicting_guests(Eval *e) {
        const HostFacts *f = e->f;
        HostVerdict *v = e->v;

        if (eval_skipped(e, "conflicting-guests", MODEL_INVALID, CATEGORY_COMPLIANCE))
                return;
        /* The names only when there is a conflict to name them in: a walk in that rare case alone. */
        if (libvirt_domains_known(f) && domain_table_count(f->libvirt.domains, MODEL_SEV_ES) > 0 &&
            model_verdict_has_reason(&v->models[MODEL_SEV_ES], "es-blocked-by-snp")) {
                DomainTableIter it;

                domain_table_iter_init(&it, f->libvirt.domains);
                for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                        if (d->model == MODEL_SEV_ES)
                                g_ptr_array_add(v->conflicting_guests, g_strdup(d->name));
        }
        if (v->conflicting_guests->len == 0) {
                eval_check(e, "conflicting-guests", MODEL_INVALID, CATEGORY_COMPLIANCE, CHECK_PASS, NULL, 0, NULL,
                           "no running guest uses a model this host no longer offers");
                return;
        }
        g_ptr_array_add(v->conflicting_guests, NULL);
        g_autofree char *names = g_strjoinv(", ", (char **) v->conflicting_guests->pdata);
        g_ptr_array_remove_index(v->conflicting_guests, v->conflicting_guests->len - 1);
        g_free(v->health_message);
        v->health_message = g_strdup_printf(
                "SEV-SNP is enabled while SEV-ES guests run (%s): the firmware no longer accepts SEV-ES launches and "
                "SEV-ES beside SNP is unsafe (CVE-2025-48514). Either disable SEV-SNP (kvm_amd.sev_snp=0 or in the BIOS) "
                "and reboot, or stop these guests and move them to a host without SEV-SNP", names);
        eval_check(e, "conflicting-guests", MODEL_INVALID, CATEGORY_COMPLIANCE, CHECK_FAIL, "conflicting-guests",
                   MODELS_ALL, "Disable SEV-SNP (kvm_amd.sev_snp=0 or in the BIOS) and reboot, or move the SEV-ES guests "
                   "to a host without SEV-SNP", "%s", v->health_message);
}

void gates_slots(Eval *e) {
        /* Conflicting guests first: they withhold every model, and a withheld model has no slots. */
        gate_conflicting_guests(e);
        for (Model m = 0; m < _MODEL_MAX; m++)
                gate_slots(e, m);
}
