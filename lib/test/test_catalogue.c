/*
 * test_catalogue.c -- invariants of the check catalogue (lib/catalogue*.c).
 *
 * Owns: checking every row the engineers add: IDs unique and shaped
 * ^[A-Z]{2,3}-[0-9]{3}$, a valid level, non-empty title, source,
 * remediation and description, and that the lookups (find, at, count)
 * agree with each other. Does not own: the rows themselves.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mcx/catalogue.h"

static int catalogue_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n')
            return 0;
    return 1;
}

static void test_catalogue_not_empty(void **state)
{
    (void)state;
    assert_true(mcx_catalogue_count() > 0);
    assert_null(mcx_catalogue_at(mcx_catalogue_count()));
    assert_null(mcx_catalogue_at((size_t)-1));
}

static void test_catalogue_ids_well_formed(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "^[A-Z]{2,3}-[0-9]{3}$", REG_EXTENDED | REG_NOSUB), 0);
    int bad = 0;
    for (size_t i = 0; i < mcx_catalogue_count(); i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        assert_non_null(c);
        if (!c->id || regexec(&re, c->id, 0, NULL, 0) != 0) {
            print_error("catalogue row %zu: ID '%s' does not match ^[A-Z]{2,3}-[0-9]{3}$\n", i,
                        c->id ? c->id : "(null)");
            bad++;
        }
    }
    regfree(&re);
    assert_int_equal(bad, 0);
}

static void test_catalogue_ids_unique(void **state)
{
    (void)state;
    int dup = 0;
    size_t n = mcx_catalogue_count();
    for (size_t i = 0; i < n; i++) {
        const mcx_check *a = mcx_catalogue_at(i);
        for (size_t j = i + 1; j < n; j++) {
            const mcx_check *b = mcx_catalogue_at(j);
            if (a->id && b->id && strcmp(a->id, b->id) == 0) {
                print_error("catalogue ID %s appears at rows %zu and %zu\n", a->id, i, j);
                dup++;
            }
        }
    }
    assert_int_equal(dup, 0);
}

static void test_catalogue_fields_present(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < mcx_catalogue_count(); i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        const char *id = c->id ? c->id : "(null)";
        if (c->level < MCX_LEVEL_INFO || c->level > MCX_LEVEL_ERROR) {
            print_error("%s: level %d is not a valid mcx_level\n", id, (int)c->level);
            bad++;
        }
        const struct {
            const char *name, *value;
        } fields[] = {{"title", c->title},
                      {"source", c->source},
                      {"remediation", c->remediation},
                      {"description", c->description}};
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            if (catalogue_blank(fields[k].value)) {
                print_error("%s: empty %s\n", id, fields[k].name);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_catalogue_find_agrees_with_at(void **state)
{
    (void)state;
    for (size_t i = 0; i < mcx_catalogue_count(); i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        assert_ptr_equal(mcx_catalogue_find(c->id), c);
    }
    assert_null(mcx_catalogue_find(NULL));
    assert_null(mcx_catalogue_find(""));
    assert_null(mcx_catalogue_find("ZZ-999"));
    /* Lookups are exact: case and surrounding space matter. */
    const mcx_check *first = mcx_catalogue_at(0);
    char lower[16];
    snprintf(lower, sizeof lower, "%s", first->id);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_null(mcx_catalogue_find(lower));
    char spaced[20];
    snprintf(spaced, sizeof spaced, "%s ", first->id);
    assert_null(mcx_catalogue_find(spaced));
}

static void test_catalogue_has_internal_error(void **state)
{
    (void)state;
    /* mcx_report_add records unknown IDs as AD-000. */
    const mcx_check *c = mcx_catalogue_find("AD-000");
    assert_non_null(c);
    assert_int_equal(c->level, MCX_LEVEL_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_not_empty),
        cmocka_unit_test(test_catalogue_ids_well_formed),
        cmocka_unit_test(test_catalogue_ids_unique),
        cmocka_unit_test(test_catalogue_fields_present),
        cmocka_unit_test(test_catalogue_find_agrees_with_at),
        cmocka_unit_test(test_catalogue_has_internal_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
