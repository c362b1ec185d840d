/*
 * vector_xml.h -- internal to lib/: the read + schema check shared by the
 * vector loader (vector_load.c, which implements it) and the statements
 * loader (vector_statements.c): xml_safe.h does the work; this adds the
 * file-size rules and reports in mcx_vector_error.
 *
 * Owns: the declaration only. Does not own either file format.
 */
#ifndef MCX_VECTOR_XML_H
#define MCX_VECTOR_XML_H

#include <stddef.h>
#include <libxml/tree.h>
#include "mcx/vector.h"

/* Parse buf as untrusted XML with mcx_xml_read (any DOCTYPE refused: rule
 * no-dtd) and validate it against the XSD in xsd
 * (xsd_name names it in messages). Returns the document, or NULL with err
 * set (file:line, rule xml/no-dtd/xsd/empty/too-large). */
xmlDocPtr mcx_vector_xml_read(const char *name, const char *buf, size_t len, const char *xsd,
                              size_t xsd_len, const char *xsd_name, mcx_vector_error *err);

#endif
