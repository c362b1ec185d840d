/*
 * xml_safe.h -- the one way mcxlab reads untrusted XML into a tree.
 *
 * Owns: parsing with libxml2 under the project's rules (no network, no DTD
 * loading, no entity substitution; a <!DOCTYPE> stops the parser before any
 * entity is declared, so XXE and entity-expansion bombs never run), the
 * first error's line and message, and validation against a compiled-in XSD.
 * Does not own: what a document means (each loader builds its own model),
 * nor streaming parses (autodiscover_parse.c needs the push parser to tell a
 * truncated body from a malformed one).
 */
#ifndef MCX_XML_SAFE_H
#define MCX_XML_SAFE_H

#include <stddef.h>
#include <libxml/tree.h>
#include "mcx/topology.h" /* mcx_error */

/* Parse `len` bytes named `name` (a path, or "response"). `what` names the
 * kind of document for the DOCTYPE message ("a topology file"). On failure
 * returns NULL and fills `err`: rule "no-dtd" for a DOCTYPE, else "xml", at
 * the line of the first error. */
xmlDocPtr mcx_xml_read(const char *name, const char *buf, size_t len, const char *what,
                       mcx_error *err);

/* Validate `doc` against the XSD text `xsd`. `xsd_path` names the schema in
 * messages (e.g. "lib/topology.xsd"). Returns 0, or -1 with `err` filled
 * (rule "xsd", line of the first violation; `internal_rule` when the
 * compiled-in schema itself does not load, which is a bug of ours). */
int mcx_xml_validate(xmlDocPtr doc, const char *name, const char *xsd, size_t xsd_len,
                     const char *xsd_path, const char *internal_rule, mcx_error *err);

#endif
