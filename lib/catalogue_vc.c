/*
 * catalogue_vc.c -- catalogue entries for the vector runner.
 * Owns: the VC- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them
 * (conformance/conform_run.c, cmd_conform.c, cmd_record.c) nor the vectors'
 * own IDs (vectors/ID.xml, listed by the loader).
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_vc[] = {
    {"VC-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
    {"VC-001", MCX_LEVEL_ERROR, "Vector failed (MUST)",
     "MS-OCDISCWS via protocol.md section 2; seed: Technical Requirements for Mobility",
     "Make the server answer the vector's request as the vector expects; the finding names "
     "the step, the assertion, and expected vs actual.",
     "A conformance vector whose requirement is a MUST did not hold: a status, header or body "
     "assertion (XPath or JSON pointer) of one of its steps failed."},
    {"VC-002", MCX_LEVEL_WARNING, "Vector failed (SHOULD)",
     "MS-OCDISCWS via protocol.md section 2; seed: Website Requirements",
     "Follow the recommended behaviour unless there is a documented reason not to.",
     "A conformance vector marked strength=\"should\" failed: recommended but not required "
     "behaviour, reported as a warning."},
    {"VC-003", MCX_LEVEL_NOTICE, "Vector failed (MAY)",
     "MS-OCDISCWS via protocol.md section 2",
     "Nothing is required; the notice documents where this server differs from mcxd.",
     "A conformance vector marked strength=\"may\" failed: optional behaviour."},
    {"VC-004", MCX_LEVEL_ERROR, "Recorded response drifted",
     "mcxlab vectors/README.md (recordings)",
     "If the change is intended, re-record with mcxcheck record against mcxd in deterministic "
     "mode (--now 2026-01-01T00:00:00Z --seed 1) and review the diff of vectors/recorded/.",
     "The exact bytes of a step's response (status line, headers except Date, body) differ "
     "from vectors/recorded/ID.http; the finding gives the first differing byte offset."},
    {"VC-005", MCX_LEVEL_ERROR, "Recording missing or unreadable",
     "mcxlab vectors/README.md (recordings)",
     "Run mcxcheck record for this vector and commit vectors/recorded/ID.http.",
     "--check-recorded or record --check found no recording (or an unreadable one) for a "
     "step that was run."},
    {"VC-006", MCX_LEVEL_ERROR, "Vector file invalid",
     "mcxlab lib/vector.xsd and vectors/README.md",
     "Fix the file at the line and rule named (well-formed XML without DOCTYPE, vector.xsd, "
     "known {{variables}}, valid XPath / regex / JSON pointer).",
     "A vector file could not be loaded: not well-formed, has a DTD, breaks the schema or a "
     "semantic rule. The other vectors still run."},
    {"VC-007", MCX_LEVEL_ERROR, "Vector step got no response",
     "mcxlab vectors/README.md (targets)",
     "Check the --target-internal/--target-external URLs, --ca or --insecure, and that the "
     "server listens there.",
     "A step could not be executed: no target for its site and scheme, connection refused, "
     "TLS failure or timeout."},
    {"VC-008", MCX_LEVEL_INFO, "Vector skipped",
     "mcxlab vectors/README.md (preconditions)",
     "Run with a --topology that meets the precondition (e.g. a 2013 profile for OAuth).",
     "The topology does not meet the vector's precondition (profile or a topology variable "
     "without a value), so the vector was not run."},
};
const size_t mcx_catalogue_vc_count = sizeof mcx_catalogue_vc / sizeof mcx_catalogue_vc[0];
