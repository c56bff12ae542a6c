/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HostFacts -> per-model verdicts and doctor checks. Pure: no I/O.
 *
 * One evaluation produces both views from the same evidence: each gate
 * records a doctor Check and, when it blocks or warns, a Reason on the
 * model(s) it concerns. A model is usable only if no gate recorded an
 * error reason on it: when something cannot be proven, it is not usable.
 */

#include "host-verdict.h"

/* NODE_NAME overrides config and host name; may be NULL. */
HostVerdict *host_verdict_new(const HostFacts *f, const MemcryptConfig *cfg);
