/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * /etc/memcryptd/memcryptd.conf (GKeyFile). Every key is optional; an
 * unknown group or key is an error, so a typo never silently falls back
 * to a default.
 *
 *   [Service]
 *   LibvirtURI=qemu:///system
 *   NodeName=compute1
 *   RefreshIntervalSec=60
 *   LibvirtTimeoutSec=10       a libvirt call not answered by then fails (LibvirtUnavailable)
 *   MaxCallsPerUser=4          expensive calls in flight per caller uid; more: Busy
 *   MaxQueuedCalls=64          expensive calls in flight in all; more: Busy
 *
 *   [Guests]
 *   DefaultMachineType=q35
 *   PolicySEV=0x0033
 *   PolicySEVES=0x0037
 *   PolicySEVSNP=0x00030000
 *
 *   [Export]
 *   PrometheusTextfile=/var/lib/prometheus/node-exporter/memcrypt.prom
 *   NodeFeatureFile=/etc/kubernetes/node-feature-discovery/features.d/memcrypt
 */

#include "model.h"

typedef struct {
        char *libvirt_uri;
        char *node_name;            /* NULL: the host name */
        char *default_machine_type;
        uint64_t policy[_MODEL_MAX];
        unsigned refresh_interval_sec;
        char *prometheus_textfile;  /* NULL: not written */
        char *node_feature_file;    /* NULL: not written */
        unsigned libvirt_timeout_sec;
        unsigned max_calls_per_user;
        unsigned max_queued_calls;
} MemcryptConfig;

#define DEFAULT_LIBVIRT_URI "qemu:///system"
#define DEFAULT_REFRESH_INTERVAL_SEC 60u
#define DEFAULT_LIBVIRT_TIMEOUT_SEC 10u
#define DEFAULT_MAX_CALLS_PER_USER 4u
#define DEFAULT_MAX_QUEUED_CALLS 64u
/* The default policies and the policy bits are the model table's (common/model-table.h). */

void memcrypt_config_init(MemcryptConfig *c);
void memcrypt_config_clear(MemcryptConfig *c);

/*
 * Loads PATH over the defaults already in C. A missing file is fine when
 * MUST_EXIST is false (the built-in path); anything else wrong returns
 * false with *error naming the file, group, key and value.
 */
bool memcrypt_config_load(MemcryptConfig *c, const char *path, bool must_exist, char **error);

/*
 * libvirt's keepalive for a RefreshIntervalSec of REFRESH_SEC: a ping after
 * *INTERVAL_SEC seconds in which nothing came from libvirtd, the connection
 * closed when *COUNT pings in a row get no answer, i.e. (*COUNT + 1) *
 * *INTERVAL_SEC seconds after libvirtd's last message (libvirt's
 * virkeepalive.c: every message received re-arms the timer and restores the
 * count). A ping costs two wakeups (the timer, then the pong), answering one
 * of libvirtd's costs one, and every message resets the other side's timer:
 * so memcryptd pings only after a whole refresh interval of silence, longer
 * than libvirtd's own keepalive_interval (5 s by default), and against a
 * default libvirtd it never pings at all. One ping (count 1) is the fewest
 * that tells a hung libvirtd from an idle one that does not ping (count 0
 * would close such a healthy connection every interval). A hung libvirtd is
 * noticed within 2 * RefreshIntervalSec with nothing asked of it; a call
 * asked of it has LibvirtTimeoutSec, kept by the libvirt thread's caller.
 */
void libvirt_keepalive_for_refresh(unsigned refresh_sec, int *interval_sec, unsigned *count);

/*
 * Checks a launch policy against the model's rules that do not depend on
 * the host: reserved bits, the ES bit matching the model, SNP bit 17.
 * Returns NULL when acceptable, else a message (free with g_free()).
 */
char *policy_check_static(Model m, uint64_t policy);
