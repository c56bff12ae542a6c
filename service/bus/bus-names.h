/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The names of org.memcrypt1's objects, interfaces and polkit actions (docs/design.md, "Names"). */

#define BUS_NAME           "org.memcrypt1"
#define MANAGER_PATH       "/org/memcrypt1"
#define MANAGER_INTERFACE  "org.memcrypt1.Manager"
#define MODEL_INTERFACE    "org.memcrypt1.Model"
#define MODEL_PATH_PREFIX  "/org/memcrypt1/model/"
#define ATTESTATION_INTERFACE "org.memcrypt1.Attestation"

#define ACTION_REFRESH     "org.memcrypt1.refresh"
#define ACTION_INJECT_LAUNCH_SECRET "org.memcrypt1.inject-launch-secret"
