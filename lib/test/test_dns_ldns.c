/*
 * test_dns_ldns.c -- the small shared helpers: lib/dns_ldns.c (ldns
 * record helpers used by conformance/dns_live.c and lib/pcap_dns_rules.c)
 * and lib/mem_grow.c (array growth).
 *
 * Owns: records built with ldns from presentation text (mixed case, trailing
 * dots, a CNAME, an A record, a record without RDATA) read back through
 * mcx_dns_ldns_*; growth, its doubling and its overflow refusal. Does not
 * own: name normalisation rules (test_dns_rules.c), the callers' behaviour
 * (their own tests and dns_live.sh, pcap_golden.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "mcx/dns_ldns.h"
#include "mcx/dns_view.h"
#include "mcx/mem_grow.h"

static ldns_rr *rr_from(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
    return rr;
}

static void test_rr_text(void **state)
{
    char owner[MCX_DNS_NAME_MAX], rdata[MCX_DNS_NAME_MAX];
    (void)state;

    ldns_rr *cname = rr_from("LyncDiscover.Contoso.TEST. 300 IN CNAME Pool01.Contoso.Test.");
    assert_int_equal(mcx_dns_ldns_rr_text(cname, owner, sizeof owner, rdata, sizeof rdata), 0);
    assert_string_equal(owner, "lyncdiscover.contoso.test");
    assert_string_equal(rdata, "pool01.contoso.test");

    ldns_rr *a = rr_from("pool01.contoso.test. 300 IN A 192.0.2.10");
    assert_int_equal(mcx_dns_ldns_rr_text(a, owner, sizeof owner, rdata, sizeof rdata), 0);
    assert_string_equal(owner, "pool01.contoso.test");
    assert_string_equal(rdata, "192.0.2.10");

    /* Too small an output buffer for the owner: an error, not a cut name. */
    char tiny[8];
    assert_int_equal(mcx_dns_ldns_rr_text(a, tiny, sizeof tiny, rdata, sizeof rdata), -1);

    /* No RDATA (an empty record, as in a dynamic update's delete). */
    ldns_rr *empty = ldns_rr_new();
    ldns_rr_set_owner(empty, ldns_dname_new_frm_str("x.contoso.test."));
    ldns_rr_set_type(empty, LDNS_RR_TYPE_A);
    assert_int_equal(mcx_dns_ldns_rr_text(empty, owner, sizeof owner, rdata, sizeof rdata), -1);

    assert_int_equal(mcx_dns_ldns_name(NULL, owner, sizeof owner), -1);
    ldns_rr_free(cname);
    ldns_rr_free(a);
    ldns_rr_free(empty);
}

static void test_find_and_only_cnames(void **state)
{
    (void)state;
    ldns_rr_list *l = ldns_rr_list_new();

    assert_int_equal(mcx_dns_ldns_only_cnames(l), 0); /* empty: not "only CNAMEs" */
    ldns_rr *c1 = rr_from("LyncDiscover.contoso.test. IN CNAME a.contoso.test.");
    ldns_rr *c2 = rr_from("a.contoso.test. IN CNAME b.contoso.test.");
    ldns_rr_list_push_rr(l, c1);
    ldns_rr_list_push_rr(l, c2);
    assert_int_equal(mcx_dns_ldns_only_cnames(l), 1);
    assert_ptr_equal(mcx_dns_ldns_find_rr(l, "lyncdiscover.contoso.test", LDNS_RR_TYPE_CNAME), c1);
    assert_ptr_equal(mcx_dns_ldns_find_rr(l, "a.contoso.test", LDNS_RR_TYPE_CNAME), c2);
    assert_null(mcx_dns_ldns_find_rr(l, "a.contoso.test", LDNS_RR_TYPE_A));
    assert_null(mcx_dns_ldns_find_rr(l, "b.contoso.test", LDNS_RR_TYPE_CNAME));

    ldns_rr *b = rr_from("b.contoso.test. IN A 192.0.2.1");
    ldns_rr_list_push_rr(l, b);
    assert_int_equal(mcx_dns_ldns_only_cnames(l), 0);
    assert_ptr_equal(mcx_dns_ldns_find_rr(l, "b.contoso.test", LDNS_RR_TYPE_A), b);
    ldns_rr_list_deep_free(l);
}

static void test_mem_grow(void **state)
{
    (void)state;
    int *arr = NULL;
    size_t cap = 0, n = 0;

    for (int i = 0; i < 100; i++) {
        assert_int_equal(mcx_mem_grow((void **)&arr, &cap, n, sizeof *arr), 0);
        assert_true(cap > n);
        arr[n++] = i;
    }
    assert_int_equal(cap, 128); /* 16, 32, 64, 128 */
    for (int i = 0; i < 100; i++)
        assert_int_equal(arr[i], i);
    /* Room left: nothing moves. */
    int *before = arr;
    assert_int_equal(mcx_mem_grow((void **)&arr, &cap, 100, sizeof *arr), 0);
    assert_ptr_equal(arr, before);
    assert_int_equal(cap, 128);
    /* A size that would overflow is refused, the array kept. */
    size_t huge = (SIZE_MAX / 2) / sizeof *arr + 1;
    size_t hcap = huge;
    assert_int_equal(mcx_mem_grow((void **)&arr, &hcap, huge, sizeof *arr), -1);
    assert_int_equal(hcap, huge);
    assert_ptr_equal(arr, before);
    free(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rr_text),
        cmocka_unit_test(test_find_and_only_cnames),
        cmocka_unit_test(test_mem_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
