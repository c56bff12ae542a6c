/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The verdicts as a Kubernetes node-feature-discovery local feature file
 * (features.d): one NAME=VALUE line per label, nothing else (older NFD
 * releases take a comment line for a label). Only values that change with
 * the host's configuration, never with its load: free slots move with every
 * guest, and each label change costs the API server an update of the node.
 * Pure: no I/O, no bus.
 */

#include <stdbool.h>

#include "verdict.h"

/* Free with g_free(). */
char *node_labels_format(const HostFacts *f, const HostVerdict *v);

/* A Kubernetes label value: at most 63 characters of [A-Za-z0-9._-], beginning
 * and ending with a letter or digit, or empty. */
bool node_label_value_valid(const char *value);
