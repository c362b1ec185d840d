/*
 * catalogue.c -- lookups over the check catalogue.
 *
 * Owns: merging the per-prefix tables (catalogue_tp.c, catalogue_ad.c,
 * catalogue_ds.c, catalogue_vc.c, catalogue_dns.c, catalogue_ct.c,
 * catalogue_pc.c, catalogue_dp.c, catalogue_mb.c, catalogue_cn.c) into one ordered view. Does not own any
 * entry: each lives beside the module that raises it.
 */
#include <string.h>
#include "catalogue_tables.h"

static const struct {
    const mcx_check *table;
    const size_t *count;
} mcx_tables[] = {
    {mcx_catalogue_ad, &mcx_catalogue_ad_count},
    {mcx_catalogue_ds, &mcx_catalogue_ds_count},
    {mcx_catalogue_tp, &mcx_catalogue_tp_count},
    {mcx_catalogue_vc, &mcx_catalogue_vc_count},
    {mcx_catalogue_dns, &mcx_catalogue_dns_count},
    {mcx_catalogue_ct, &mcx_catalogue_ct_count},
    {mcx_catalogue_pc, &mcx_catalogue_pc_count},
    {mcx_catalogue_dp, &mcx_catalogue_dp_count},
    {mcx_catalogue_mb, &mcx_catalogue_mb_count},
    {mcx_catalogue_cn, &mcx_catalogue_cn_count},
};

size_t mcx_catalogue_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof mcx_tables / sizeof mcx_tables[0]; i++)
        n += *mcx_tables[i].count;
    return n;
}

const mcx_check *mcx_catalogue_at(size_t i)
{
    for (size_t t = 0; t < sizeof mcx_tables / sizeof mcx_tables[0]; t++) {
        if (i < *mcx_tables[t].count)
            return &mcx_tables[t].table[i];
        i -= *mcx_tables[t].count;
    }
    return NULL;
}

const mcx_check *mcx_catalogue_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t t = 0; t < sizeof mcx_tables / sizeof mcx_tables[0]; t++)
        for (size_t i = 0; i < *mcx_tables[t].count; i++)
            if (strcmp(mcx_tables[t].table[i].id, id) == 0)
                return &mcx_tables[t].table[i];
    return NULL;
}
