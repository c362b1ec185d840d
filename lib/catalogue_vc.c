/*
 * catalogue_vc.c -- catalogue entries for the vector runner.
 * Owns: the VC- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them.
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_vc[] = {
    {"VC-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
};
const size_t mcx_catalogue_vc_count = sizeof mcx_catalogue_vc / sizeof mcx_catalogue_vc[0];
