/* SPDX-License-Identifier: LGPL-2.1-or-later */
typedef int memcrypt_placeholder_config;
