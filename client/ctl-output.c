/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memcryptctl's output: colours, key/value blocks, tables, JSON of the typed values. */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl-output.h"
#include "model-table.h"
#include "memcrypt-fields.h"

bool colors_enabled(void) {
        static int cached = -1;

        if (cached < 0)
                cached = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        return cached;
}

#define COLOR(name, seq) \
        const char *color_##name(void) { return colors_enabled() ? seq : ""; }
COLOR(green, "\033[0;32m")
COLOR(red, "\033[0;31m")
COLOR(yellow, "\033[0;33m")
COLOR(grey, "\033[0;90m")
COLOR(bold, "\033[0;1;39m")
COLOR(reset, "\033[0m")

const char *color_of_state(const char *state) {
        static const struct {
                const char *state;
                const char *(*color)(void);
        } table[] = {
                { "pass", color_green }, { "ok", color_green }, { "yes", color_green },
                { "warn", color_yellow }, { "warning", color_yellow }, { "degraded", color_yellow },
                { "unknown", color_yellow },
                { "fail", color_red }, { "error", color_red }, { "conflict", color_red }, { "no", color_red },
                { "skip", color_grey },
        };

        for (size_t i = 0; state && i < G_N_ELEMENTS(table); i++)
                if (strcmp(table[i].state, state) == 0)
                        return table[i].color();
        return NULL;
}

/* Terminal columns of S: messages carry UTF-8 ("≥"), and escape codes are never in cells. */
static size_t text_width(const char *s) {
        return g_utf8_validate(s, -1, NULL) ? (size_t) g_utf8_strlen(s, -1) : strlen(s);
}

static void print_colored(const char *color, const char *text) {
        if (color && *color)
                printf("%s%s%s", color, text, color_reset());
        else
                fputs(text, stdout);
}

static void print_padding(size_t n) {
        printf("%*s", (int) n, "");
}

struct Table {
        GStrv headers;
        size_t n_columns;
        unsigned right_aligned;
        GPtrArray *rows;        /* GStrv */
        GPtrArray *colors;      /* const char** (g_new0) or NULL */
        GPtrArray *notes;       /* char* or NULL */
};

Table *table_new(const char *const *headers, unsigned right_aligned) {
        Table *t = g_new0(Table, 1);

        t->headers = g_strdupv((char **) headers);
        t->n_columns = g_strv_length(t->headers);
        t->right_aligned = right_aligned;
        t->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
        t->colors = g_ptr_array_new_with_free_func(g_free);
        t->notes = g_ptr_array_new_with_free_func(g_free);
        return t;
}

void table_add_row(Table *t, const char *const *cells, const char *const *colors, const char *note) {
        char **row = g_new0(char *, t->n_columns + 1);
        const char **row_colors = g_new0(const char *, t->n_columns);

        for (size_t i = 0; i < t->n_columns; i++) {
                row[i] = g_strdup(cells[i] ?: "");
                row_colors[i] = colors ? colors[i] : NULL;
        }
        g_ptr_array_add(t->rows, row);
        g_ptr_array_add(t->colors, row_colors);
        g_ptr_array_add(t->notes, note && *note ? g_strdup(note) : NULL);
}

static void table_print_row(const Table *t, const size_t *widths, char *const *cells,
                            const char *const *colors) {
        for (size_t i = 0; i < t->n_columns; i++) {
                size_t pad = widths[i] - text_width(cells[i]);
                bool right = t->right_aligned & (1u << i), last = i + 1 == t->n_columns;

                if (i > 0)
                        putchar(' ');
                if (right)
                        print_padding(pad);
                print_colored(colors ? colors[i] : NULL, cells[i]);
                if (!right && !last)
                        print_padding(pad);
        }
        putchar('\n');
}

void table_print(Table *t, bool legend, const char *footer) {
        g_autofree size_t *widths = g_new0(size_t, t->n_columns);
        g_autofree const char **header_colors = g_new0(const char *, t->n_columns);

        for (size_t i = 0; i < t->n_columns; i++) {
                widths[i] = legend ? text_width(t->headers[i]) : 0;
                header_colors[i] = color_bold();
                for (guint r = 0; r < t->rows->len; r++)
                        widths[i] = MAX(widths[i], text_width(((char **) t->rows->pdata[r])[i]));
        }

        if (legend)
                table_print_row(t, widths, t->headers, header_colors);
        for (guint r = 0; r < t->rows->len; r++) {
                const char *note = t->notes->pdata[r];

                table_print_row(t, widths, t->rows->pdata[r], t->colors->pdata[r]);
                if (note) {
                        /* Under the second column, so the note reads with the row's id. */
                        print_padding(t->n_columns > 1 ? widths[0] + 1 : 2);
                        printf("-> %s\n", note);
                }
        }
        if (legend && footer)
                printf("\n%s\n", footer);
}

void table_free(Table *t) {
        if (!t)
                return;
        g_strfreev(t->headers);
        g_ptr_array_unref(t->rows);
        g_ptr_array_unref(t->colors);
        g_ptr_array_unref(t->notes);
        g_free(t);
}

/* A Table of two columns, key and value, printed its own way; only values have colours. */
struct KeyValues {
        Table *rows;
};

KeyValues *kv_new(void) {
        static const char *const headers[] = { "KEY", "VALUE", NULL };
        KeyValues *kv = g_new0(KeyValues, 1);

        kv->rows = table_new(headers, 1u << 0);
        return kv;
}

void kv_add(KeyValues *kv, const char *key, const char *color, const char *format, ...) {
        g_autofree char *value = NULL;
        va_list ap;

        va_start(ap, format);
        value = g_strdup_vprintf(format, ap);
        va_end(ap);
        table_add_row(kv->rows, (const char *const[]) { key, value }, (const char *const[]) { NULL, color }, NULL);
}

void kv_print(KeyValues *kv) {
        GPtrArray *rows = kv->rows->rows, *colors = kv->rows->colors;
        size_t width = 0;

        for (guint i = 0; i < rows->len; i++)
                width = MAX(width, text_width(((char **) rows->pdata[i])[0]));

        for (guint i = 0; i < rows->len; i++) {
                char **row = rows->pdata[i];
                g_auto(GStrv) lines = g_strsplit(row[1], "\n", -1);

                print_padding(width - text_width(row[0]));
                printf("%s: ", row[0]);
                for (size_t l = 0; lines[l]; l++) {
                        if (l > 0)
                                print_padding(width + 2);
                        print_colored(((const char **) colors->pdata[i])[1], lines[l]);
                        putchar('\n');
                }
        }
}

void kv_free(KeyValues *kv) {
        if (!kv)
                return;
        table_free(kv->rows);
        g_free(kv);
}

char *format_policy(const char *model, uint64_t policy) {
        return model_policy_text(model_from_name(model), policy);
}

char *format_asids(uint32_t first, uint32_t last) {
        if (first == 0 && last == 0)
                return g_strdup("-");
        return g_strdup_printf("%" G_GUINT32_FORMAT "-%" G_GUINT32_FORMAT, first, last);
}

char *format_timestamp(uint64_t usec) {
        g_autoptr(GDateTime) t = NULL;

        if (usec == 0)
                return g_strdup("never");
        t = g_date_time_new_from_unix_local((gint64) (usec / G_USEC_PER_SEC));
        if (!t)
                return g_strdup_printf("%" G_GUINT64_FORMAT " µs", usec);
        return g_date_time_format(t, "%a %Y-%m-%d %H:%M:%S %Z");
}

static void kv_add_reasons(KeyValues *kv, const char *label, const MemcryptReason *reasons, size_t n) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++) {
                const MemcryptReason *why = &reasons[i];

                g_string_append_printf(s, "%s%s %s: %s", i > 0 ? "\n" : "", why->severity, why->code, why->message);
                if (*why->hint)
                        g_string_append_printf(s, "\n  hint: %s", why->hint);
        }
        kv_add(kv, label, NULL, "%s", s->len > 0 ? s->str : "none");
}

/* One line per labelled property of common/schema.h, in the report's order. */
void kv_add_model(KeyValues *kv, const MemcryptModel *m) {
        static const size_t offset[_MODEL_PROPERTY_MAX] = MEMCRYPT_MODEL_OFFSETS;

        for (size_t i = 0; i < G_N_ELEMENTS(model_json_order); i++) {
                ModelProperty p = model_json_order[i];
                const PropertyInfo *info = &model_property_info[p];
                const void *field = (const char *) m + offset[p];
                g_autofree char *text = NULL;

                if (!info->label)
                        continue;
                switch (info->kind) {
                case SCHEMA_STRING:
                        kv_add(kv, info->label, NULL, "%s", *(char *const *) field);
                        break;
                case SCHEMA_BOOL: {
                        bool yes = *(const bool *) field;
                        kv_add(kv, info->label, yes ? color_green() : color_red(), "%s", yes ? "yes" : "no");
                        break;
                }
                case SCHEMA_U32:
                        /* AsidFirst's line shows the pool, AsidFirst-AsidLast (AsidLast has no line). */
                        if (p == MODEL_PROP_ASID_FIRST) {
                                text = format_asids(m->asid_first, m->asid_last);
                                kv_add(kv, info->label, NULL, "%s", text);
                        } else
                                kv_add(kv, info->label, NULL, "%" G_GUINT32_FORMAT, *(const uint32_t *) field);
                        break;
                case SCHEMA_U64:
                        kv_add(kv, info->label, NULL, "%" G_GUINT64_FORMAT, *(const uint64_t *) field);
                        break;
                case SCHEMA_POLICY:
                        text = format_policy(m->name, *(const uint64_t *) field);
                        kv_add(kv, info->label, NULL, "%s", text);
                        break;
                case SCHEMA_STRV:
                        text = g_strjoinv("\n", *(char **const *) field);
                        kv_add(kv, info->label, NULL, "%s", *text ? text : "none");
                        break;
                case SCHEMA_REASONS:
                        kv_add_reasons(kv, info->label, m->reasons, m->n_reasons);
                        break;
                case SCHEMA_DOMAINS:
                        break;  /* a Manager kind */
                }
        }
}

static void json_add_strv(JsonBuilder *b, const char *member, const char *const *strv) {
        json_builder_set_member_name(b, member);
        json_builder_begin_array(b);
        for (size_t i = 0; strv && strv[i]; i++)
                json_builder_add_string_value(b, strv[i]);
        json_builder_end_array(b);
}

void json_add_string(JsonBuilder *b, const char *member, const char *value) {
        json_builder_set_member_name(b, member);
        json_builder_add_string_value(b, value ?: "");
}

void json_add_int(JsonBuilder *b, const char *member, int64_t value) {
        json_builder_set_member_name(b, member);
        json_builder_add_int_value(b, value);
}

/* N structs of char * fields alone (as libmemcrypt reads MemcryptCheck and MemcryptFinding), each an
 * object of KEYS (NULL-terminated) in field order. */
static JsonNode *json_from_string_structs(const void *array, size_t n, const char *const *keys) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        size_t n_keys = g_strv_length((char **) keys);

        json_builder_begin_array(b);
        for (size_t i = 0; i < n; i++) {
                char *const *fields = (char *const *) array + i * n_keys;

                json_builder_begin_object(b);
                for (size_t k = 0; k < n_keys; k++)
                        json_add_string(b, keys[k], fields[k]);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        return json_builder_get_root(b);
}

JsonNode *json_from_checks(const MemcryptCheck *checks, size_t n) {
        static const char *const keys[] = { "id", "model", "category", "status", "message", "hint", NULL };

        G_STATIC_ASSERT(sizeof(MemcryptCheck) == (G_N_ELEMENTS(keys) - 1) * sizeof(char *));
        return json_from_string_structs(checks, n, keys);
}

JsonNode *json_from_domains(const MemcryptDomain *domains, size_t n) {
        static const char *const keys[] = { "name", "uuid", "model", NULL };

        G_STATIC_ASSERT(sizeof(MemcryptDomain) == (G_N_ELEMENTS(keys) - 1) * sizeof(char *));
        return json_from_string_structs(domains, n, keys);
}

JsonNode *json_from_signal(const MemcryptSignal *s) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "path", s->path);
        json_add_string(b, "interface", s->interface);
        json_add_string(b, "member", s->member);
        json_add_strv(b, "names", s->names);
        if (s->values) {        /* PropertiesChanged: each name's value as text ("" when invalidated) */
                json_builder_set_member_name(b, "values");
                json_builder_begin_object(b);
                for (size_t i = 0; s->names[i] && s->values[i]; i++)
                        json_add_string(b, s->names[i], s->values[i]);
                json_builder_end_object(b);
        }
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

JsonNode *json_from_placement(const MemcryptPlacement *p) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "model", p->model);
        json_builder_set_member_name(b, "resources");
        json_builder_begin_object(b);
        for (size_t i = 0; i < p->n_resources; i++)
                json_add_int(b, p->resources[i].name, p->resources[i].amount);
        json_builder_end_object(b);
        json_add_strv(b, "traits", (const char *const *) p->traits);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

JsonNode *json_from_findings(const MemcryptFinding *findings, size_t n) {
        static const char *const keys[] = { "severity", "code", "where", "message", NULL };

        G_STATIC_ASSERT(sizeof(MemcryptFinding) == (G_N_ELEMENTS(keys) - 1) * sizeof(char *));
        return json_from_string_structs(findings, n, keys);
}

JsonNode *json_from_xml(const char *xml) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "xml", xml);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

void json_print(JsonNode *node, JsonMode mode) {
        g_autofree char *text = json_to_string(node, mode == JSON_PRETTY);

        puts(text);
}

void json_print_built(JsonBuilder *b, JsonMode mode) {
        g_autoptr(JsonNode) node = json_builder_get_root(b);

        json_print(node, mode);
}
