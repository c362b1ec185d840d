/*
 * catalogue_ds.c -- catalogue entries for the client discovery trace (DS-, AU-, NET-).
 * Owns: the DS- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them.
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_ds[] = {
    {"DS-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
};
const size_t mcx_catalogue_ds_count = sizeof mcx_catalogue_ds / sizeof mcx_catalogue_ds[0];
