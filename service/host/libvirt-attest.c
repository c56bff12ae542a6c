/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libvirt-attest.h"

typedef struct {
        AttestLibvirt lv;
        LibvirtKeeper *keeper;
} Proxy;

typedef enum {
        OP_NODE_SEV_INFO,
        OP_LOOKUP,
        OP_LAUNCH_SECURITY_INFO,
        OP_SET_LAUNCH_SECURITY_STATE,
        OP_RESUME,
} OpKind;

/* One call's copied arguments and its results; owned by whoever holds it last. */
typedef struct {
        OpKind kind;
        char *name;                     /* lookup */
        AttestDomain domain;            /* the domain operated on (without its XML), or lookup's result */
        GVariant *params;               /* set_launch_security_state's input; the others' result */
} Op;

static void op_free(void *userdata) {
        Op *op = userdata;

        g_free(op->name);
        attest_domain_clear(&op->domain);
        g_clear_pointer(&op->params, g_variant_unref);
        g_free(op);
}

/* On the libvirt thread. */
static ApiError op_run(virConnectPtr conn, void *userdata, char **message) {
        g_autoptr(AttestLibvirt) live = attest_libvirt_live_new(conn);
        Op *op = userdata;

        switch (op->kind) {
        case OP_NODE_SEV_INFO:
                return live->node_sev_info(live, &op->params, message);
        case OP_LOOKUP:
                return live->lookup(live, op->name, &op->domain, message);
        case OP_LAUNCH_SECURITY_INFO:
                return live->launch_security_info(live, &op->domain, &op->params, message);
        case OP_SET_LAUNCH_SECURITY_STATE:
                return live->set_launch_security_state(live, &op->domain, op->params, message);
        case OP_RESUME:
                return live->resume(live, &op->domain, message);
        }
        g_assert_not_reached();
}

static Op *op_new(OpKind kind, const AttestDomain *d) {
        Op *op = g_new0(Op, 1);

        op->kind = kind;
        if (d)
                op->domain = (AttestDomain) { g_strdup(d->name), g_strdup(d->uuid), d->state, NULL };
        return op;
}

/* Runs OP with the deadline. Returns OP for its results (free with op_free()), NULL when none came. */
static ApiError call(AttestLibvirt *lv, Op **op, char **message) {
        Proxy *p = (Proxy *) lv;
        void *data = *op;
        ApiError e;

        e = libvirt_keeper_call(p->keeper, op_run, &data, op_free, message);
        *op = data;
        return e;
}

/* Runs KIND on D (NULL: on the node) for the typed parameters it answers with. */
static ApiError call_for_params(AttestLibvirt *lv, OpKind kind, const AttestDomain *d, GVariant **ret,
                                char **message) {
        Op *op = op_new(kind, d);
        ApiError e = call(lv, &op, message);

        if (e == API_OK)
                *ret = g_steal_pointer(&op->params);
        if (op)
                op_free(op);
        return e;
}

static ApiError proxy_node_sev_info(AttestLibvirt *lv, GVariant **ret, char **message) {
        return call_for_params(lv, OP_NODE_SEV_INFO, NULL, ret, message);
}

static ApiError proxy_lookup(AttestLibvirt *lv, const char *name, AttestDomain *ret, char **message) {
        Op *op = op_new(OP_LOOKUP, NULL);
        ApiError e;

        op->name = g_strdup(name);
        e = call(lv, &op, message);
        if (e == API_OK) {
                *ret = op->domain;
                op->domain = (AttestDomain) {};
        }
        if (op)
                op_free(op);
        return e;
}

static ApiError proxy_launch_security_info(AttestLibvirt *lv, const AttestDomain *d, GVariant **ret,
                                           char **message) {
        return call_for_params(lv, OP_LAUNCH_SECURITY_INFO, d, ret, message);
}

static ApiError proxy_set_launch_security_state(AttestLibvirt *lv, const AttestDomain *d, GVariant *params,
                                                char **message) {
        Op *op = op_new(OP_SET_LAUNCH_SECURITY_STATE, d);
        ApiError e;

        op->params = g_variant_ref(params);
        e = call(lv, &op, message);
        if (op)
                op_free(op);
        return e;
}

static ApiError proxy_resume(AttestLibvirt *lv, const AttestDomain *d, char **message) {
        Op *op = op_new(OP_RESUME, d);
        ApiError e = call(lv, &op, message);

        if (op)
                op_free(op);
        return e;
}

static void proxy_free(AttestLibvirt *lv) {
        g_free(lv);
}

AttestLibvirt *attest_libvirt_keeper_new(LibvirtKeeper *k) {
        Proxy *p = g_new0(Proxy, 1);

        p->lv = ATTEST_LIBVIRT_BACKEND(proxy);
        p->keeper = k;
        return &p->lv;
}
