#!/bin/bash
# libmemcrypt's ABI: the exported symbols are exactly the version script's, every function of the
# public header is exported, and a program builds against the header and the pkg-config file as
# they are installed, without glib or sd-bus headers.
set -uo pipefail

lib=${1:?} map=${2:?} header=${3:?} pc=${4:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

# The global: list of the map, one name per line, sorted.
sed -n '/global:/,/local:/p' "$map" | grep -oE '^[[:space:]]+[a-z_0-9]+;' | tr -d ' \t;' | sort >"$tmp/map"
# Defined dynamic symbols, without the version node itself.
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v '^LIBMEMCRYPT_' | sort >"$tmp/exported"
# Functions and objects the header declares.
grep -oE '\bmemcrypt_[a-z_0-9]+(\(|\[)' "$header" | tr -d '([' | sort -u >"$tmp/declared"

same() { diff -u "$1" "$2" >"$tmp/diff" || { sed 's/^/# /' "$tmp/diff"; return 1; }; }
check "exported symbols = libmemcrypt.map" same "$tmp/map" "$tmp/exported"
check "every symbol of memcrypt.h is in libmemcrypt.map" same "$tmp/declared" "$tmp/map"
check "symbols carry the LIBMEMCRYPT_0.1 version" \
        bash -c "nm -D --defined-only '$lib' | grep -q 'memcrypt_client_open@@LIBMEMCRYPT_0.1'"
check "soname is libmemcrypt.so.0" bash -c "objdump -p '$lib' | grep -q 'SONAME *libmemcrypt.so.0$'"

# The installed layout: $prefix/include/memcrypt/memcrypt.h and the library in $libdir.
prefix="$tmp/prefix"
mkdir -p "$prefix/include/memcrypt" "$tmp/pc"
cp "$header" "$prefix/include/memcrypt/"
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
