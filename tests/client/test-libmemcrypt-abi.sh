#!/bin/bash
# libmemcrypt's ABI: the exported symbols are exactly the version script's, every function of the
# public header is exported, and a program builds against the header and the pkg-config file as
# they are installed, without glib or sd-bus headers.
set -uo pipefail

lib=${1:?} map=${2:?} header=${3:?} pc=${4:?} errors_header=${5:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

# The global: names of every node of the map as NAME@@NODE, one per line, sorted: each symbol
# must carry the node that introduced it (LIBMEMCRYPT_0.1, LIBMEMCRYPT_0.2, ...).
awk '/^LIBMEMCRYPT_[0-9.]+ *\{/ { node = $1 } /global:/ { g = 1; next } /local:|^\}/ { g = 0 }
     g && /^[[:space:]]+[a-z_0-9]+;/ { gsub(/[[:space:];]/, ""); print $0 "@@" node }' "$map" | sort >"$tmp/map-versioned"
sed 's/@@.*//' "$tmp/map-versioned" >"$tmp/map"
# Defined dynamic symbols, without the version nodes themselves.
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^LIBMEMCRYPT_' | sort >"$tmp/exported-versioned"
sed 's/@.*//' "$tmp/exported-versioned" >"$tmp/exported"
# Functions and objects the header declares.
grep -oE '\bmemcrypt_[a-z_0-9]+(\(|\[)' "$header" | tr -d '([' | sort -u >"$tmp/declared"

same() { diff -u "$1" "$2" >"$tmp/diff" || { sed 's/^/# /' "$tmp/diff"; return 1; }; }
check "exported symbols = libmemcrypt.map" same "$tmp/map" "$tmp/exported"
check "every symbol of memcrypt.h is in libmemcrypt.map" same "$tmp/declared" "$tmp/map"
check "each symbol carries the version node of the map that lists it" \
        same "$tmp/map-versioned" "$tmp/exported-versioned"
check "LIBMEMCRYPT_0.2 (requests, domain XML) inherits LIBMEMCRYPT_0.1" \
        bash -c "grep -qx '} LIBMEMCRYPT_0.1;' '$map' && objdump -p '$lib' | grep -A1 'LIBMEMCRYPT_0.2\$' | grep -q 'LIBMEMCRYPT_0.1'"
check "LIBMEMCRYPT_0.3 (attestation) inherits LIBMEMCRYPT_0.2" \
        bash -c "grep -qx '} LIBMEMCRYPT_0.2;' '$map' && objdump -p '$lib' | grep -A1 'LIBMEMCRYPT_0.3\$' | grep -q 'LIBMEMCRYPT_0.2'"
check "LIBMEMCRYPT_0.5 (guest signals) inherits LIBMEMCRYPT_0.4" \
        bash -c "grep -qx '} LIBMEMCRYPT_0.4;' '$map' && objdump -p '$lib' | grep -A1 'LIBMEMCRYPT_0.5\$' | grep -q 'LIBMEMCRYPT_0.4'"
check "the library's minor version follows the newest node" \
        bash -c "[ \"\$(readlink '$(dirname "$lib")/libmemcrypt.so.0')\" = libmemcrypt.so.0.$(grep -oE '^LIBMEMCRYPT_0\.[0-9]+' "$map" | tail -1 | cut -d. -f2).0 ]"
check "soname is libmemcrypt.so.0" bash -c "objdump -p '$lib' | grep -q 'SONAME *libmemcrypt.so.0$'"

# The installed layout: $prefix/include/memcrypt/memcrypt.h (with the generated memcrypt-errors.h
# beside it) and the library in $libdir.
prefix="$tmp/prefix"
mkdir -p "$prefix/include/memcrypt" "$tmp/pc"
cp "$header" "$errors_header" "$prefix/include/memcrypt/"
cp "$pc" "$tmp/pc/"
libdir=$(PKG_CONFIG_PATH="$tmp/pc" pkg-config --define-variable=prefix="$prefix" --variable=libdir libmemcrypt)
mkdir -p "$libdir"
cp "$lib" "$libdir/libmemcrypt.so.0"
ln -s libmemcrypt.so.0 "$libdir/libmemcrypt.so"

cat >"$tmp/prog.c" <<'PROG'
#include <errno.h>
#include <memcrypt/memcrypt.h>
#include <stdio.h>
#include <string.h>

int main(void) {
        MemcryptClient *c = NULL;

        if (memcrypt_error_to_errno(MEMCRYPT_ERROR_NO_SLOTS) != -ENOSPC)
                return 1;
        if (strcmp(memcrypt_model_names[2], "amd-sev-snp") != 0)
                return 2;
        if (memcrypt_client_open_address("unix:path=/nonexistent/memcrypt-abi-test", &c) >= 0 || c)
                return 3;
        /* LIBMEMCRYPT_0.2: the option builder works without a connection. */
        MemcryptOptions *o = NULL;
        if (memcrypt_options_new(&o) < 0 || memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_POLICY, 0x33) < 0 ||
            memcrypt_options_set_bool(o, MEMCRYPT_OPTION_KERNEL_HASHES, true) < 0 ||
            memcrypt_options_set_string(o, MEMCRYPT_OPTION_DH_CERT, "AAAA") < 0 || memcrypt_options_free(o))
                return 4;
        if (memcrypt_placement_free(NULL) || MEMCRYPT_DOMAIN_XML_MAX != 1048576u)
                return 5;
        memcrypt_findings_free(NULL, 0);
        /* LIBMEMCRYPT_0.3: attestation results free NULL; the inject options are plain keys. */
        if (memcrypt_platform_info_free(NULL) || memcrypt_launch_measurement_free(NULL) ||
            strcmp(MEMCRYPT_OPTION_ADDRESS, "address") != 0 || strcmp(MEMCRYPT_OPTION_RESUME, "resume") != 0)
                return 6;
        /* LIBMEMCRYPT_0.5: following the guests needs monitoring started first. */
        MemcryptDomainEvent e = { .name = "vm", .uuid = "u", .model = "amd-sev", .started = true };
        if (memcrypt_monitor_domains(NULL, NULL, NULL) != -EINVAL || !e.started)
                return 7;
        puts("ok");
        return 0;
}
PROG
check "pkg-config knows libmemcrypt and its private libsystemd" \
        bash -c "PKG_CONFIG_PATH='$tmp/pc' pkg-config --print-requires-private libmemcrypt | grep -q libsystemd"
flags=$(PKG_CONFIG_PATH="$tmp/pc" pkg-config --define-variable=prefix="$prefix" --cflags --libs libmemcrypt)
# shellcheck disable=SC2086
check "a C99 program builds with the header alone (-Wall -Wextra -pedantic -Werror)" \
        cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/prog" "$tmp/prog.c" $flags
# A sanitized build's library needs its runtime loaded first (the ASan run of tools/run-tests).
preload=
if objdump -p "$lib" | grep -q 'NEEDED *libasan'; then
        preload=$(cc -print-file-name=libasan.so)
fi
check "and runs against the library" \
        bash -c "LD_PRELOAD='$preload' LD_LIBRARY_PATH='$libdir' '$tmp/prog' | grep -qx ok"
if command -v c++ >/dev/null; then
        cp "$tmp/prog.c" "$tmp/prog.cc"
        # shellcheck disable=SC2086
        check "the header is usable from C++" c++ -Wall -Werror -c -o "$tmp/prog-cc.o" "$tmp/prog.cc" $flags
fi

tap_done
