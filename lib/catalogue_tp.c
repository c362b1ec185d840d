/*
 * catalogue_tp.c -- catalogue entries for topology.
 * Owns: the TP- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them.
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_tp[] = {
    {"TP-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
};
const size_t mcx_catalogue_tp_count = sizeof mcx_catalogue_tp / sizeof mcx_catalogue_tp[0];
