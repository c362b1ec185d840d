/*
 * catalogue_ad.c -- catalogue entries for Autodiscover documents and HTTP behaviour.
 * Owns: the AD- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them.
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_ad[] = {
    {"AD-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
};
const size_t mcx_catalogue_ad_count = sizeof mcx_catalogue_ad / sizeof mcx_catalogue_ad[0];
