/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Who may do what, without sd-bus. A method guarded by a polkit action puts
 * its caller and the action into an AuthQuery and asks an AuthorizeFunc; the
 * answer is the project's error vocabulary: allowed, or refused with an
 * ApiError (NotAuthorized) and a message a person can act on, or refused until
 * the caller allows interactive authorization. The answer may come later
 * (polkit answers over the bus): the query then tells its owner, which
 * dispatches the call again. bus-authorize.c is that owner for method calls,
 * bus-polkit.c the daemon's authorizer; tests install their own
 * (bus_set_authorizer()).
 */

#include <stdbool.h>

#include <glib.h>

#include "api-error.h"

/* The caller of a method, as the bus tells it. */
typedef struct {
        char *sender;           /* its unique bus name; NULL without one (a peer-to-peer connection) */
        bool privileged;        /* root, or the daemon's own uid */
        bool interactive;       /* the call lets polkit ask a person for a password */
} Caller;

typedef enum {
        AUTH_WAITING,
        AUTH_ALLOWED,
        AUTH_REFUSED,                   /* error and message say why */
        AUTH_INTERACTION_REQUIRED,      /* refused until the caller allows interactive authorization */
} AuthState;

typedef struct AuthQuery AuthQuery;
struct AuthQuery {
        Caller caller;
        char *action;                   /* "org.memcrypt1.refresh" */
        AuthState state;
        ApiError error;                 /* AUTH_REFUSED: API_NOT_AUTHORIZED, or what the authorizer said */
        char *message;                  /* refused: for the caller */

        /* The authorizer's part while it waits (polkit: its pending call), freed with the answer. */
        void *pending;
        GDestroyNotify pending_free;
        /* The owner's part: told of an answer that comes after the authorizer returned. */
        void (*answered)(AuthQuery *q, void *userdata);
        void *userdata;
};

/* Decides Q on the loop thread. Returns true once Q is answered; false when
 * the answer comes later, through the auth_query_*() answers below on the loop
 * thread (the call waits, then is dispatched again), and that may happen even
 * before this returns. */
typedef bool (*AuthorizeFunc)(AuthQuery *q, void *userdata);

AuthQuery *auth_query_new(const Caller *caller, const char *action);
AuthQuery *auth_query_free(AuthQuery *q);

/* The authorizer waits for an answer; PENDING (freed with PENDING_FREE) is what it waits with. */
void auth_query_wait(AuthQuery *q, void *pending, GDestroyNotify pending_free);

/* The answers: each drops what the authorizer waited with and tells the owner. */
void auth_query_allow(AuthQuery *q);
void auth_query_refuse(AuthQuery *q, ApiError e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Refused until the caller allows interactive authorization: D-Bus's
 * InteractiveAuthorizationRequired, which clients answer by asking again. */
void auth_query_require_interaction(AuthQuery *q);
