/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libvirt's typed parameters <-> a{sv}: the one place they meet GVariant. */

#include <glib.h>
#include <libvirt/libvirt.h>

/* PARAMS[0..N) as an a{sv} (reference sunk): int i, uint u, llong x, ullong t, double d,
 * boolean b, string s; a parameter of a type libvirt may add later is left out. */
GVariant *attest_typed_params_to_variant(const virTypedParameter *params, int n);

/* DICT (a{sv} of s, b, i, u, x, t or d values) as typed parameters; free them with
 * virTypedParamsFree(*RET, *N) also on failure. -1 on failure with libvirt's error set,
 * or for a value of another type. */
int attest_typed_params_from_variant(GVariant *dict, virTypedParameterPtr *ret, int *n);
