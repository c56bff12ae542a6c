/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * InjectLaunchSecret() without the bus: argument checks (base64, sizes,
 * options), then against a scripted libvirt backend that records what it is
 * asked: the typed parameters handed to libvirt, resume only when asked,
 * and every refusal (no domain, not paused, not SEV, no libvirt, libvirt
 * failing); and against the recorded backend of milan-attest.
 */
#include <libvirt/libvirt.h>

#include "attest.h"
#include "test-util.h"

#define NO_LIBVIRT "test: no libvirt here"

/* A 52-byte packet header and a 64-byte secret, canonical base64. */
#define HEADER "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMw=="
#define SECRET "c2VjcmV0IGJ5dGVzIHdyYXBwZWQgd2l0aCB0aGUgZ3Vlc3Qgb3duZXIgVEVLOiA2NCBieXRlcyBsb25nLi4uLg=="

#define SEV_XML "<domain><name>g</name><launchSecurity type='sev'><policy>0x33</policy></launchSecurity></domain>"
#define ES_XML "<domain><name>g</name><launchSecurity type='sev'><policy>0x37</policy></launchSecurity></domain>"
#define SNP_XML "<domain><name>g</name><launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity></domain>"
#define PV_XML "<domain><name>g</name><launchSecurity type='s390-pv'/></domain>"
#define PLAIN_XML "<domain><name>g</name></domain>"

typedef struct {
        AttestLibvirt lv;
        /* the script */
        AttestDomainState state;
        const char *xml;
        ApiError lookup_error, set_error, resume_error;
        /* what it was asked */
        unsigned lookups, sets, resumes;
        GVariant *params;
        char *set_uuid, *resume_uuid;
} Mock;

static ApiError mock_lookup(AttestLibvirt *lv, const char *name, AttestDomain *ret, char **message) {
        Mock *m = (Mock *) lv;

        m->lookups++;
        if (m->lookup_error != API_OK)
                return api_fail(message, m->lookup_error, "scripted lookup failure of %s", name);
        *ret = (AttestDomain) { .name = g_strdup(name), .uuid = g_strdup("5a1e5a1e-0000-4000-8000-000000000001"),
                                .state = m->state, .xml = g_strdup(m->xml) };
        return API_OK;
}

static ApiError mock_set(AttestLibvirt *lv, const AttestDomain *d, GVariant *params, char **message) {
        Mock *m = (Mock *) lv;

        m->sets++;
        g_clear_pointer(&m->params, g_variant_unref);
        m->params = g_variant_ref(params);
        g_free(m->set_uuid);
        m->set_uuid = g_strdup(d->uuid);
        if (m->set_error != API_OK)
                return api_fail(message, m->set_error, "virDomainSetLaunchSecurityState failed: scripted");
        return API_OK;
}

static ApiError mock_resume(AttestLibvirt *lv, const AttestDomain *d, char **message) {
        Mock *m = (Mock *) lv;

        m->resumes++;
        g_free(m->resume_uuid);
        m->resume_uuid = g_strdup(d->uuid);
        if (m->resume_error != API_OK)
                return api_fail(message, m->resume_error, "virDomainResume failed: scripted");
        return API_OK;
}

static void mock_free(AttestLibvirt *lv) {
        Mock *m = (Mock *) lv;

        g_clear_pointer(&m->params, g_variant_unref);
        g_free(m->set_uuid);
        g_free(m->resume_uuid);
        g_free(m);
}

static Mock *mock_new(AttestDomainState state, const char *xml) {
        Mock *m = g_new0(Mock, 1);

        m->lv = (AttestLibvirt) { .lookup = mock_lookup, .set_launch_security_state = mock_set,
                                  .resume = mock_resume, .free = mock_free };
        m->state = state;
        m->xml = xml;
        return m;
}

static void mock_unref(Mock *m) {
        mock_free(&m->lv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Mock, mock_unref)

static GVariant *options(const char *text) {
        return text ? g_variant_ref_sink(g_variant_new_parsed(text)) : NULL;
}

/* Parse, then (when parsing succeeds) inject through LV; the ApiError and message of the first failure. */
static ApiError inject(AttestLibvirt *lv, const char *header, const char *secret, const char *opts, char **message) {
        g_autoptr(GVariant) o = options(opts);
        InjectRequest req;
        ApiError e;

        g_clear_pointer(message, g_free);
        e = attest_inject_parse("g", header, secret, o, &req, message);
        if (e != API_OK)
                return e;
        return attest_inject(lv, lv ? NULL : NO_LIBVIRT, &req, message);
}

static void assert_refused(const char *header, const char *secret, const char *opts, const char *in_message) {
        g_autoptr(Mock) m = mock_new(ATTEST_DOMAIN_PAUSED, SEV_XML);
        g_autofree char *message = NULL;

        assert_int_equal(inject(&m->lv, header, secret, opts, &message), API_INVALID_ARGUMENT);
        if (!strstr(message, in_message))
                fail_msg("message '%s' lacks '%s'", message, in_message);
        /* Refused before anything reaches libvirt. */
        assert_int_equal(m->lookups, 0);
        assert_int_equal(m->sets, 0);
}

static char *b64_of_size(size_t n) {
        g_autofree guchar *data = g_malloc0(n);
        return g_base64_encode(data, n);
}

static void test_parse_refusals(void **state) {
        g_autofree char *header51 = b64_of_size(51), *header53 = b64_of_size(53);
        g_autofree char *secret_max = b64_of_size(ATTEST_SECRET_MAX), *secret_big = b64_of_size(ATTEST_SECRET_MAX + 1);
        g_autofree char *wrapped = g_strdup_printf("%.40s\n%s", SECRET, &SECRET[40]);
        g_autofree char *spaced = g_strdup_printf("%.40s  %s", SECRET, &SECRET[42]);
        g_autoptr(Mock) m = mock_new(ATTEST_DOMAIN_PAUSED, SEV_XML);
        g_autofree char *message = NULL;

        assert_refused("not base64!", SECRET, NULL, "header is not base64");
        assert_refused(header51, SECRET, NULL, "exactly 52");
        assert_refused(header53, SECRET, NULL, "exactly 52");
        assert_refused(HEADER, "", NULL, "secret is not base64");
        assert_refused(HEADER, wrapped, NULL, "secret is not base64");
        assert_refused(HEADER, spaced, NULL, "no spaces or line breaks");
        assert_refused(HEADER, "c2VjcmV0", "{'colour': <'blue'>}", "Unknown option 'colour'");
        assert_refused(HEADER, SECRET, "{'resume': <'yes'>}", "'resume' is a boolean");
        assert_refused(HEADER, SECRET, "{'address': <'0x1000'>}", "'address' is a guest physical address");
        assert_refused(HEADER, SECRET, "{'address': <int64 -1>}", "'address'");
        assert_refused(HEADER, secret_big, NULL, "at most 65536");
        /* The largest secret accepted goes through whole. */
        assert_int_equal(inject(&m->lv, HEADER, secret_max, NULL, &message), API_OK);
        g_autoptr(GVariant) sent = g_variant_lookup_value(m->params, "sev-secret", NULL);
        assert_string_equal(g_variant_get_string(sent, NULL), secret_max);
}

static void test_domain_names(void **state) {
        g_autofree char *message = NULL, *long_name = g_strnfill(1025, 'a');
        const char *bad[] = { "", "a/b", ".", "..", "tab\there", long_name };
        InjectRequest req;

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_clear_pointer(&message, g_free);
                assert_int_equal(attest_inject_parse(bad[i], HEADER, SECRET, NULL, &req, &message),
                                 API_INVALID_ARGUMENT);
        }
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_check_domain_name("guest-1.example_com (copy)", &message), API_OK);
}

static void test_inject_passes_the_blobs(void **state) {
        g_autoptr(Mock) m = mock_new(ATTEST_DOMAIN_PAUSED, SEV_XML);
        g_autofree char *message = NULL, *text = NULL;

        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'address': <uint32 4096>}", &message), API_OK);
        assert_int_equal(m->sets, 1);
        assert_int_equal(m->resumes, 0);        /* not asked to */
        /* libvirt's names and types; the address always as a 64-bit value. */
        text = g_variant_print(m->params, TRUE);
        assert_string_equal(text, "{'sev-secret-header': <'" HEADER "'>, 'sev-secret': <'" SECRET "'>, "
                                  "'sev-secret-set-address': <uint64 4096>}");
        /* The domain is named by the UUID the lookup saw. */
        assert_string_equal(m->set_uuid, "5a1e5a1e-0000-4000-8000-000000000001");
}

static void test_inject_and_resume(void **state) {
        g_autoptr(Mock) m = mock_new(ATTEST_DOMAIN_PAUSED, ES_XML);
        g_autofree char *message = NULL, *text = NULL;

        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'resume': <true>}", &message), API_OK);
        assert_int_equal(m->sets, 1);
        assert_int_equal(m->resumes, 1);
        assert_string_equal(m->resume_uuid, m->set_uuid);
        text = g_variant_print(m->params, TRUE);
        assert_null(strstr(text, "address"));   /* none given: QEMU finds the secret area itself */

        /* resume=false is no resume. */
        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'resume': <false>}", &message), API_OK);
        assert_int_equal(m->resumes, 1);
}

static void refused_by_domain(AttestDomainState state, const char *xml, ApiError want, const char *in_message) {
        g_autoptr(Mock) m = mock_new(state, xml);
        g_autofree char *message = NULL;

        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'resume': <true>}", &message), want);
        if (!strstr(message, in_message))
                fail_msg("message '%s' lacks '%s'", message, in_message);
        assert_int_equal(m->sets, 0);
        assert_int_equal(m->resumes, 0);
}

static void test_inject_refused_by_the_domain(void **state) {
        refused_by_domain(ATTEST_DOMAIN_RUNNING, SEV_XML, API_INVALID_DOMAIN_STATE, "is running, not paused");
        refused_by_domain(ATTEST_DOMAIN_SHUTOFF, SEV_XML, API_INVALID_DOMAIN_STATE, "is shutoff, not paused");
        refused_by_domain(ATTEST_DOMAIN_CRASHED, SEV_XML, API_INVALID_DOMAIN_STATE, "crashed");
        refused_by_domain(ATTEST_DOMAIN_PAUSED, SNP_XML, API_MODEL_UNSUPPORTED, "SEV-SNP");
        refused_by_domain(ATTEST_DOMAIN_PAUSED, PLAIN_XML, API_MODEL_UNSUPPORTED, "no <launchSecurity>");
        refused_by_domain(ATTEST_DOMAIN_PAUSED, PV_XML, API_MODEL_UNSUPPORTED, "another technology");
        refused_by_domain(ATTEST_DOMAIN_PAUSED, "<domain", API_MODEL_UNSUPPORTED, "cannot be read");
}

static void test_inject_libvirt_failures(void **state) {
        g_autoptr(Mock) m = mock_new(ATTEST_DOMAIN_PAUSED, SEV_XML);
        g_autofree char *message = NULL;

        m->lookup_error = API_NO_SUCH_DOMAIN;
        assert_int_equal(inject(&m->lv, HEADER, SECRET, NULL, &message), API_NO_SUCH_DOMAIN);
        assert_int_equal(m->sets, 0);

        /* libvirt refusing the secret: the error as it came, and no resume. */
        m->lookup_error = API_OK;
        m->set_error = API_LIBVIRT_UNAVAILABLE;
        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'resume': <true>}", &message), API_LIBVIRT_UNAVAILABLE);
        assert_non_null(strstr(message, "virDomainSetLaunchSecurityState"));
        assert_int_equal(m->resumes, 0);

        /* The secret went in but the resume failed: the message says both. */
        m->set_error = API_OK;
        m->resume_error = API_INVALID_DOMAIN_STATE;
        assert_int_equal(inject(&m->lv, HEADER, SECRET, "{'resume': <true>}", &message), API_INVALID_DOMAIN_STATE);
        assert_non_null(strstr(message, "was injected"));
        assert_non_null(strstr(message, "virDomainResume"));

        /* No libvirt at all. */
        assert_int_equal(inject(NULL, HEADER, SECRET, NULL, &message), API_LIBVIRT_UNAVAILABLE);
        assert_string_equal(message, NO_LIBVIRT);
}

static void test_inject_recorded(void **state) {
        g_autofree char *root = host_fixture("milan-attest");
        g_autoptr(AttestLibvirt) lv = attest_libvirt_recorded_new(root);
        g_autofree char *message = NULL;
        g_auto(AttestDomain) d = {};
        InjectRequest req;

        assert_int_equal(attest_inject_parse("sev-paused", HEADER, SECRET, NULL, &req, &message), API_OK);
        assert_int_equal(attest_inject(lv, NULL, &req, &message), API_OK);
        /* Without resume it stays paused; with it, the backend remembers it running. */
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_OK);
        assert_int_equal(d.state, ATTEST_DOMAIN_PAUSED);
        attest_domain_clear(&d);
        req.resume = true;
        assert_int_equal(attest_inject(lv, NULL, &req, &message), API_OK);
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_OK);
        assert_int_equal(d.state, ATTEST_DOMAIN_RUNNING);
        assert_int_equal(attest_inject(lv, NULL, &req, &message), API_INVALID_DOMAIN_STATE);
        assert_non_null(strstr(message, "running, not paused"));
        g_clear_pointer(&message, g_free);

        req.domain = "plain-guest";
        assert_int_equal(attest_inject(lv, NULL, &req, &message), API_INVALID_DOMAIN_STATE);
        g_clear_pointer(&message, g_free);
        req.domain = "nobody";
        assert_int_equal(attest_inject(lv, NULL, &req, &message), API_NO_SUCH_DOMAIN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_refusals),
                cmocka_unit_test(test_domain_names),
                cmocka_unit_test(test_inject_passes_the_blobs),
                cmocka_unit_test(test_inject_and_resume),
                cmocka_unit_test(test_inject_refused_by_the_domain),
                cmocka_unit_test(test_inject_libvirt_failures),
                cmocka_unit_test(test_inject_recorded),
        };
        return cmocka_run_group_tests_name("attest-inject", tests, NULL, NULL);
}
