/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing a host snapshot (docs/design.md, "Host snapshots"). Text sources are
 * copied byte for byte so the replay parses exactly what the host showed;
 * the rest is serialised from HostFacts. A source that is missing on the
 * host is not written: in a snapshot, absence is the fact.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include <libxml/xmlwriter.h>

#include "domain-table.h"
#include "fileio.h"
#include "json-util.h"
#include "probe.h"
#include "snapshot.h"

typedef struct {
        const char *dir;
        char **error;
} Snapshot;

/* Text files copied as they are, when they exist. */
static const char *const copied_files[] = {
        "proc/cpuinfo",
        "proc/sys/kernel/osrelease",
        "proc/sys/kernel/hostname",
        "sys/devices/system/cpu/smt/active",
        "sys/module/kvm_amd/parameters/sev",
        "sys/module/kvm_amd/parameters/sev_es",
        "sys/module/kvm_amd/parameters/sev_snp",
        "sys/module/kvm_amd/parameters/ciphertext_hiding_asids",
        "sys/module/kvm_amd/parameters/debug_swap",
        "sys/module/ccp/parameters/psp_init_on_probe",
        "sys/fs/cgroup/misc.capacity",
        "sys/fs/cgroup/misc.current",
};

/*
 * Directories whose existence is a fact of its own: a kvm_amd built without
 * CONFIG_KVM_AMD_SEV is loaded yet has none of the files above.
 */
static const char *const mirrored_dirs[] = {
        "sys/module/kvm_amd/parameters",
        "sys/module/ccp/parameters",
};

static const char *const firmware_dirs[] = {
        "usr/share/qemu/firmware",
        "etc/qemu/firmware",
};

/* ---- writing files ----------------------------------------------------------- */

/* g_file_set_contents() reports a GFileError; callers want the errno back. */
static int errno_from_gerror(const GError *e) {
        /* The errnos GLib gives a GFileError of their own: g_file_error_from_errno() holds the pairing. */
        static const int errnos[] = {
                EEXIST, EISDIR, EACCES, ENAMETOOLONG, ENOENT, ENOTDIR, ENXIO, ENODEV, EROFS, ETXTBSY, EFAULT, ELOOP,
                ENOSPC, ENOMEM, EMFILE, ENFILE, EBADF, EINVAL, EPIPE, EAGAIN, EINTR, EIO, EPERM, ENOSYS,
        };

        if (e && e->domain == G_FILE_ERROR)
                for (size_t i = 0; i < G_N_ELEMENTS(errnos); i++)
                        if (g_file_error_from_errno(errnos[i]) == (GFileError) e->code)
                                return errnos[i];
        return EIO;
}

/* "cannot write DIR/REL: <strerror>"; REL NULL names DIR itself. Returns -ERR. */
static int fail_write(Snapshot *w, const char *rel, int err) {
        const char *dir = w->dir ? w->dir : "(no directory)";
        g_autofree char *path = rel ? g_build_filename(dir, rel, NULL) : g_strdup(dir);

        if (w->error) {
                g_free(*w->error);
                *w->error = g_strdup_printf("cannot write %s: %s", path, g_strerror(err));
        }
        return -err;
}

static int snap_mkdir(Snapshot *w, const char *rel) {
        g_autofree char *path = g_build_filename(w->dir, rel, NULL);

        if (g_mkdir_with_parents(path, 0755) < 0)
                return fail_write(w, rel, errno);
        return 0;
}

/* Atomic: a reader sees the old file, the whole new one, or nothing. */
static int snap_write(Snapshot *w, const char *rel, const char *data, size_t len) {
        g_autofree char *path = g_build_filename(w->dir, rel, NULL);
        g_autofree char *parent = g_path_get_dirname(rel);
        g_autoptr(GError) err = NULL;
        int r;

        if (strcmp(parent, ".") != 0 && (r = snap_mkdir(w, parent)) < 0)
                return r;
        if (!g_file_set_contents_full(path, data, (gssize) len,
                                      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                      0644, &err))
                return fail_write(w, rel, errno_from_gerror(err));
        return 0;
}

static int snap_write_string(Snapshot *w, const char *rel, const char *text) {
        return snap_write(w, rel, text, strlen(text));
}

/* ---- copying host files --------------------------------------------------------- */

/*
 * A file that is there but cannot be read fails the snapshot: leaving it out
 * would tell the replay it is missing, which is not what the host said.
 */
static int fail_read(Snapshot *w, SourceStatus st, const Source *src) {
        int err = st == SOURCE_DENIED ? EACCES : st == SOURCE_INVALID ? EINVAL : EIO;

        if (w->error) {
                g_free(*w->error);
                *w->error = g_strdup_printf("cannot copy %s", src->detail ? src->detail : "a host file");
        }
        return -err;
}

static int snap_copy(Snapshot *w, const char *root, const char *rel) {
        g_autofree char *buf = NULL;
        Source src = {};
        size_t len = 0;
        SourceStatus st;
        int r;

        st = host_read_file(root, rel, HOST_FILE_MAX, &buf, &len, &src);
        if (st == SOURCE_MISSING)
                r = 0;
        else if (st != SOURCE_OK)
                r = fail_read(w, st, &src);
        else
                r = snap_write(w, rel, buf, len);
        source_clear(&src);
        return r;
}

static int snap_mirror_dir(Snapshot *w, const char *root, const char *rel) {
        return root_is_dir(root, rel) ? snap_mkdir(w, rel) : 0;
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.json names in ROOT/REL (files only), sorted so snapshots are reproducible. 0 or -errno. */
static int list_json_files(const char *root, const char *rel, GPtrArray **out) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        DIR *d = root_opendir(root, rel);
        struct dirent *de;
        int err;

        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                g_autofree char *entry = g_build_filename(rel, de->d_name, NULL);

                if (g_str_has_suffix(de->d_name, ".json") && !root_is_dir(root, entry))
                        g_ptr_array_add(names, g_strdup(de->d_name));
        }
        err = errno;
        closedir(d);
        if (err != 0)
                return -err;
        g_ptr_array_sort(names, compare_names);
        *out = g_steal_pointer(&names);
        return 0;
}

static int snap_copy_json_dir(Snapshot *w, const char *root, const char *rel) {
        g_autoptr(GPtrArray) names = NULL;
        int r = list_json_files(root, rel, &names);

        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                if (w->error) {
                        g_free(*w->error);
                        *w->error = g_strdup_printf("cannot copy /%s: %s", rel, host_strerror(-r));
                }
                return r;
        }
        /* An empty search directory is still a directory QEMU would search. */
        if ((r = snap_mkdir(w, rel)) < 0)
                return r;
        for (guint i = 0; i < names->len; i++) {
                g_autofree char *entry = g_build_filename(rel, names->pdata[i], NULL);
                if ((r = snap_copy(w, root, entry)) < 0)
                        return r;
        }
        return 0;
}

static int snap_copy_host_files(Snapshot *w, const char *root) {
        int r;

        for (size_t i = 0; i < G_N_ELEMENTS(mirrored_dirs); i++)
                if ((r = snap_mirror_dir(w, root, mirrored_dirs[i])) < 0)
                        return r;
        for (size_t i = 0; i < G_N_ELEMENTS(copied_files); i++)
                if ((r = snap_copy(w, root, copied_files[i])) < 0)
                        return r;
        for (size_t i = 0; i < G_N_ELEMENTS(firmware_dirs); i++)
                if ((r = snap_copy_json_dir(w, root, firmware_dirs[i])) < 0)
                        return r;
        return 0;
}

/* ---- XML through libxml2 ----------------------------------------------------------- */

/* A text writer laid out like libvirt's own files (two-space indent, single quotes), writing into a new *BUF. */
static xmlTextWriterPtr xml_writer_new(xmlBufferPtr *buf) {
        xmlTextWriterPtr x;

        *buf = xmlBufferCreate();
        x = *buf ? xmlNewTextWriterMemory(*buf, 0) : NULL;
        if (x && xmlTextWriterSetIndent(x, 1) >= 0 &&
            xmlTextWriterSetIndentString(x, BAD_CAST "  ") >= 0 &&
            xmlTextWriterSetQuoteChar(x, '\'') >= 0)
                return x;
        if (x)
                xmlFreeTextWriter(x);
        if (*buf)
                xmlBufferFree(*buf);
        *buf = NULL;
        return NULL;
}

/* Frees X (which flushes it) and returns what it wrote, or NULL if any call failed. */
static char *xml_writer_finish(xmlTextWriterPtr x, xmlBufferPtr buf, bool failed) {
        char *out = NULL;

        if (xmlTextWriterFlush(x) < 0)
                failed = true;
        xmlFreeTextWriter(x);
        if (!failed)
                out = g_strndup((const char *) xmlBufferContent(buf), (gsize) xmlBufferLength(buf));
        xmlBufferFree(buf);
        return out;
}

/* Writes the children of a document's root element from DATA; false when a libxml2 call failed. */
typedef bool (*XmlChildrenFunc)(xmlTextWriterPtr x, const void *data);

/* The document <ROOT ATTR='VALUE'>, its children from WRITE_CHILDREN, as text; NULL if any call failed. */
static char *xml_document(const char *root, const char *attr, const char *value, XmlChildrenFunc write_children,
                          const void *data) {
        xmlBufferPtr buf;
        xmlTextWriterPtr x = xml_writer_new(&buf);
        bool ok;

        if (!x)
                return NULL;
        ok = xmlTextWriterStartElement(x, BAD_CAST root) >= 0 &&
             xmlTextWriterWriteAttribute(x, BAD_CAST attr, BAD_CAST value) >= 0 &&
             write_children(x, data) &&
             xmlTextWriterEndElement(x) >= 0;
        return xml_writer_finish(x, buf, !ok);
}

static bool write_cpuid_leaf(xmlTextWriterPtr x, const CpuidLeaf *l) {
        return xmlTextWriterStartElement(x, BAD_CAST "cpuid") >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "eax_in", "0x%08x", l->eax_in) >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "ecx_in", "0x%02x", l->ecx_in) >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "eax", "0x%08x", l->eax) >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "ebx", "0x%08x", l->ebx) >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "ecx", "0x%08x", l->ecx) >= 0 &&
               xmlTextWriterWriteFormatAttribute(x, BAD_CAST "edx", "0x%08x", l->edx) >= 0 &&
               xmlTextWriterEndElement(x) >= 0;
}

static bool write_cpuid_leaves(xmlTextWriterPtr x, const void *data) {
        const GArray *leaves = data;

        for (guint i = 0; i < leaves->len; i++)
                if (!write_cpuid_leaf(x, &g_array_index(leaves, CpuidLeaf, i)))
                        return false;
        return true;
}

/* libvirt's tests/cputestdata/x86_64-cpuid-*.xml layout, which the CPUID probe reads back. */
static char *cpuid_to_xml(const GArray *leaves) {
        return xml_document("cpudata", "arch", "x86", write_cpuid_leaves, leaves);
}

/* The smallest <launchSecurity> that makes the libvirt probe see MODEL again. */
static bool write_launch_security(xmlTextWriterPtr x, Model model) {
        g_autofree char *policy = NULL;

        if (model == MODEL_OTHER)
                /* Some type that is not SEV; s390-pv needs no children. */
                return xmlTextWriterStartElement(x, BAD_CAST "launchSecurity") >= 0 &&
                       xmlTextWriterWriteAttribute(x, BAD_CAST "type", BAD_CAST "s390-pv") >= 0 &&
                       xmlTextWriterEndElement(x) >= 0;
        if (!model_valid(model))
                return true;
        /* The model's default policy: for SEV-ES it has bit 2, which is what tells SEV-ES from SEV. */
        policy = model_policy_text(model, model_info(model)->default_policy);
        return xmlTextWriterStartElement(x, BAD_CAST "launchSecurity") >= 0 &&
               xmlTextWriterWriteAttribute(x, BAD_CAST "type", BAD_CAST model_info(model)->launch_security) >= 0 &&
               xmlTextWriterWriteElement(x, BAD_CAST "policy", BAD_CAST policy) >= 0 &&
               xmlTextWriterEndElement(x) >= 0;
}

static bool write_domain_children(xmlTextWriterPtr x, const void *data) {
        const RunningDomain *d = data;

        return (!d->name || xmlTextWriterWriteElement(x, BAD_CAST "name", BAD_CAST d->name) >= 0) &&
               (!d->uuid || xmlTextWriterWriteElement(x, BAD_CAST "uuid", BAD_CAST d->uuid) >= 0) &&
               write_launch_security(x, d->model);
}

static char *domain_to_xml(const RunningDomain *d) {
        return xml_document("domain", "type", "kvm", write_domain_children, d);
}

/* ---- serialised sources --------------------------------------------------------------- */

static int snap_write_cpuid(Snapshot *w, const CpuidFacts *c) {
        g_autofree char *xml = NULL;

        if (c->src.status != SOURCE_OK || !c->leaves)
                return 0;
        xml = cpuid_to_xml(c->leaves);
        if (!xml)
                return fail_write(w, "cpuid.xml", ENOMEM);
        return snap_write_string(w, "cpuid.xml", xml);
}

static int snap_write_sev(Snapshot *w, const SevPlatformFacts *s) {
        g_autofree char *json = NULL;

        if (s->device.status != SOURCE_OK)
                return 0;
        json = sev_status_to_json(s);
        return snap_write_string(w, "dev/sev.json", json);
}

static char *versions_to_json(const LibvirtFacts *lv) {
        g_autoptr(JsonBuilder) b = json_builder_new_immutable();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *text = NULL;

        json_builder_begin_object(b);
        if (lv->libvirt_version)
                json_member_string(b, "libvirt", lv->libvirt_version);
        if (lv->qemu_version)
                json_member_string(b, "qemu", lv->qemu_version);
        json_builder_end_object(b);

        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

/* A file name for domain D: its own name when that is a safe one, unique within USED. */
static char *domain_file_name(const RunningDomain *d, guint index, GHashTable *used) {
        const char *name = d->name;
        char *file;

        if (!name || !*name || name[0] == '.' || strchr(name, '/') || strlen(name) > 200)
                name = "domain";
        file = g_strdup_printf("libvirt/domains/%s.xml", name);
        if (g_hash_table_contains(used, file)) {
                g_free(file);
                file = g_strdup_printf("libvirt/domains/%s-%u.xml", name, index);
        }
        g_hash_table_add(used, file);
        return g_strdup(file);
}

static int snap_write_domains(Snapshot *w, const DomainTable *domains) {
        g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        DomainTableIter it;
        guint i = 0;
        int r;

        domain_table_iter_init(&it, domains);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it)); i++) {
                g_autofree char *rel = domain_file_name(d, i, used);
                g_autofree char *xml = domain_to_xml(d);

                if (!xml)
                        return fail_write(w, rel, ENOMEM);
                if ((r = snap_write_string(w, rel, xml)) < 0)
                        return r;
        }
        return 0;
}

static int snap_write_libvirt(Snapshot *w, const LibvirtFacts *lv) {
        int r;

        /* In a snapshot the libvirt/ directory stands for the connection. */
        if (lv->connection.status != SOURCE_OK)
                return 0;
        if ((r = snap_mkdir(w, "libvirt")) < 0)
                return r;
        if (lv->versions_src.status == SOURCE_OK) {
                g_autofree char *json = versions_to_json(lv);
                if ((r = snap_write_string(w, "libvirt/versions.json", json)) < 0)
                        return r;
        }
        if (lv->domcaps.src.status == SOURCE_OK && lv->domcaps.raw_xml &&
            (r = snap_write_string(w, "libvirt/domcapabilities.xml", lv->domcaps.raw_xml)) < 0)
                return r;
        if (lv->node_sev_info && (r = snap_write_string(w, "libvirt/nodesevinfo.json", lv->node_sev_info)) < 0)
                return r;
        if (lv->domains_src.status == SOURCE_OK && domain_table_size(lv->domains) > 0)
                return snap_write_domains(w, lv->domains);
        return 0;
}

/* ---- entry point ------------------------------------------------------------------- */

/* Stale files from an older snapshot would be read as facts of this host. */
static int snap_require_empty(Snapshot *w) {
        DIR *d = opendir(w->dir);
        struct dirent *de;
        bool empty = true;
        int err;

        if (!d)
                return fail_write(w, NULL, errno);
        while ((errno = 0, de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        empty = false;
        err = errno;
        closedir(d);
        if (err != 0)
                return fail_write(w, NULL, err);
        return empty ? 0 : fail_write(w, NULL, ENOTEMPTY);
}

int snapshot_write(const HostFacts *f, const char *dir, char **error) {
        Snapshot w = { .dir = dir, .error = error };
        int r;

        if (!dir || !*dir)
                return fail_write(&w, NULL, EINVAL);
        if (g_mkdir_with_parents(dir, 0755) < 0)
                return fail_write(&w, NULL, errno);
        if ((r = snap_require_empty(&w)) < 0 ||
            (r = snap_copy_host_files(&w, f->root)) < 0 ||
            (r = snap_write_cpuid(&w, &f->cpuid)) < 0 ||
            (r = snap_write_sev(&w, &f->sev)) < 0 ||
            (r = snap_write_libvirt(&w, &f->libvirt)) < 0)
                return r;
        return 0;
}
