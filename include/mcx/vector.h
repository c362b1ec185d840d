/*
 * vector.h -- conformance test vectors: one self-contained XML file per
 * vector (vectors/NAME.xml, schema lib/vector.xsd, format in vectors/README.md).
 *
 * Owns: the in-memory form of a vector, loading it (well-formedness, no DTD,
 * no network, no entity substitution, XSD validation, then semantic rules:
 * known {{variables}}, captures defined before use, XPath / regex / JSON
 * pointer syntax, async steps awaited, cleanup steps last), and {{variable}}
 * expansion from a topology (lib/vector_vars.c). Every load error names
 * file:line and the rule.
 * Does not own: running a vector against a server (conformance/conform_*.c)
 * nor the recordings of mcxd's answers (vectors/recorded/, cmd_record.c).
 */
#ifndef MCX_VECTOR_H
#define MCX_VECTOR_H

#include <stddef.h>
#include "mcx/topology.h"

/* Largest vector file accepted (a vector is a few KiB). */
#define MCX_VECTOR_MAX_FILE (256 * 1024)
#define MCX_VECTOR_MAX_STATUS 4
/* How long an async step may stay unanswered before the runner takes it as
 * parked and sends the next step (park-ms, milliseconds). */
#define MCX_VECTOR_PARK_MS 300
#define MCX_VECTOR_MAX_PARK_MS 10000

/* What the vector's input is: valid (must be served), invalid (must be
 * rejected), acceptable (either way is conforming; the assertions say what
 * mcxd does). */
typedef enum {
    MCX_VECTOR_VALID = 0,
    MCX_VECTOR_INVALID = 1,
    MCX_VECTOR_ACCEPTABLE = 2
} mcx_vector_result;

/* Requirement strength: a failed MUST vector is an error (VC-001), SHOULD a
 * warning (VC-002), MAY a notice (VC-003). */
typedef enum {
    MCX_VECTOR_MUST = 0,
    MCX_VECTOR_SHOULD = 1,
    MCX_VECTOR_MAY = 2
} mcx_vector_strength;

typedef enum {
    MCX_VA_HEADER = 0, /* target: header name (case-insensitive) */
    MCX_VA_XPATH,      /* target: XPath 1.0 expression over the body */
    MCX_VA_JSON,       /* target: RFC 6901 JSON pointer into the body (plus
                          [name=value] selectors, vectors/README.md) */
    MCX_VA_BODY        /* target: NULL, the raw body */
} mcx_vector_assert_kind;

typedef enum {
    MCX_VOP_EQUALS = 0, /* value equals (after {{}} expansion) */
    MCX_VOP_MATCHES,    /* POSIX extended regex matches (unanchored) */
    MCX_VOP_CONTAINS,   /* substring */
    MCX_VOP_PRESENT,    /* header present / node or member exists */
    MCX_VOP_ABSENT,     /* header absent / no node / no member */
    MCX_VOP_COUNT,      /* header occurrences, node count, array/object size, body length */
    MCX_VOP_EMPTY,      /* body only: zero bytes */
    MCX_VOP_WELLFORMED  /* body only: value "xml" or "json" parses */
} mcx_vector_op;

typedef struct mcx_vector_assert {
    mcx_vector_assert_kind kind;
    mcx_vector_op op;
    char *target; /* NULL for body */
    char *value;  /* expected; NULL for present/absent/empty */
    int line;
} mcx_vector_assert;

typedef struct mcx_vector_capture {
    mcx_vector_assert_kind kind; /* HEADER, XPATH, JSON or BODY (the raw body) */
    char *name;                  /* variable name set for later steps */
    char *target;                /* NULL for BODY */
    int xml;                     /* xpath: serialise the first node (form="xml") */
    int base64;                  /* store base64 of the captured value */
    int line;
    char *strip_prefix;          /* NULL, or text ({{variables}} allowed) the value
                                    must start with; only the rest is stored */
} mcx_vector_capture;

typedef struct mcx_vector_header {
    char *name;
    char *value; /* may contain {{variables}} */
} mcx_vector_header;

typedef struct mcx_vector_ns {
    char *prefix;
    char *uri;
} mcx_vector_ns;

typedef struct mcx_vector_step {
    char *name;
    char *method;
    char *url;          /* topology names + {{variables}} */
    mcx_access site;    /* which side's target the URL is connected to */
    mcx_vector_header *headers;
    size_t nheaders;
    char *body;         /* NULL: no body */
    size_t body_len;
    int status[MCX_VECTOR_MAX_STATUS]; /* accepted statuses */
    size_t nstatus;
    mcx_vector_ns *ns;  /* extra XPath prefixes declared by the vector */
    size_t nns;
    mcx_vector_assert *asserts;
    size_t nasserts;
    mcx_vector_capture *captures;
    size_t ncaptures;
    /* async="true": sent in the background; the runner goes on once it is
     * answered or park_ms have passed (taken as parked). Its response is
     * evaluated, recorded and captured when a later step awaits it. */
    int async;
    int park_ms;
    /* <await step="NAME"/>: indices into the vector's steps of the async
     * steps whose responses are collected right after this step's own. */
    size_t *awaits;
    size_t nawaits;
    /* cleanup="true": runs even after an earlier step failed (e.g. DELETE the
     * application), once its {{variables}} have values; cleanup steps come
     * last and the result rule ignores them. */
    int cleanup;
    int line;
} mcx_vector_step;

typedef struct mcx_vector {
    char *path;   /* file it was loaded from */
    char *id;     /* e.g. AD-ROOT-001 */
    char *title;
    char *source; /* seed section title or MS-OCDISCWS section */
    mcx_vector_result result;
    mcx_vector_strength strength;
    int requires_profile;  /* -1 any, else mcx_profile */
    int requires_test_clock; /* <requires target="mcxd-test-clock"/>: the target
                                is mcxd --test-clock (POST /_mcxd/clock) */
    char **requires_vars;  /* topology variables that must have a value */
    size_t nrequires_vars;
    mcx_vector_step *steps;
    size_t nsteps;
    /* <enforces ref="ST-..."/>: IDs of the statements of statements.xml this
     * vector enforces, in file order, with the line of each element. */
    char **enforces;
    int *enforces_lines;
    size_t nenforces;
} mcx_vector;

typedef struct mcx_vector_error {
    char file[256];
    int line;        /* 0 when unknown */
    char rule[48];   /* e.g. "xml", "xsd", "no-dtd", "unknown-variable" */
    char message[512];
} mcx_vector_error;

/* "file:line: rule: message" */
void mcx_vector_error_format(const mcx_vector_error *e, char *buf, size_t len);

/* Loading a file also resolves its <enforces ref=> against the
 * statements.xml in the same directory (rule unknown-statement, at the line
 * of the element; also when that file exists but does not load). Without a
 * statements.xml there (a vector copied alone), and when loading from
 * memory, only the ref syntax is checked. */
mcx_vector *mcx_vector_load_file(const char *path, mcx_vector_error *err);
mcx_vector *mcx_vector_load_memory(const char *name, const char *buf, size_t len,
                                   mcx_vector_error *err);
void mcx_vector_free(mcx_vector *v);

const char *mcx_vector_result_name(mcx_vector_result r);
const char *mcx_vector_strength_name(mcx_vector_strength s);

/* ---- normative statements (lib/vector_statements.c) ---- */

/* The statements file of a vectors directory (vectors/statements.xml,
 * schema lib/statements.xsd): every normative statement the suite enforces.
 * The vector directory loaders skip this file name. */
#define MCX_STATEMENTS_FILE "statements.xml"

typedef struct mcx_statement {
    char *id;       /* e.g. ST-ROOT-HTTP-REDIRECT */
    char *section;  /* title of the <section> it belongs to */
    char *text;     /* the requirement, in the project's words */
    char *source;   /* seed section title or protocol.md / MS-OCDISCWS section */
    mcx_vector_strength strength;
    int line;
} mcx_statement;

typedef struct mcx_statements {
    char *path;
    mcx_statement *items; /* file order */
    size_t n;
} mcx_statements;

/* Same safety and error model as the vector loader (no DTD, XSD, every
 * error file:line: rule: message); rule duplicate-statement for a reused ID. */
mcx_statements *mcx_statements_load_file(const char *path, mcx_vector_error *err);
mcx_statements *mcx_statements_load_memory(const char *name, const char *buf, size_t len,
                                           mcx_vector_error *err);
void mcx_statements_free(mcx_statements *s);
const mcx_statement *mcx_statements_find(const mcx_statements *s, const char *id);
/* Every ref of v is a statement of s: 0, else -1 with err naming the vector
 * file, the line of the <enforces> element and rule unknown-statement. */
int mcx_vector_check_statements(const mcx_vector *v, const mcx_statements *s,
                                mcx_vector_error *err);

/* ---- variables (lib/vector_vars.c) ---- */

typedef struct mcx_vector_vars {
    char **names;
    char **values;
    size_t n, cap;
} mcx_vector_vars;

/* 1 if `name` is one of the topology variables (documented in
 * vectors/README.md), whether or not a given topology gives it a value. */
int mcx_vector_var_known(const char *name);
/* Names of every topology variable, NULL-terminated. */
const char *const *mcx_vector_var_names(void);

void mcx_vector_vars_init(mcx_vector_vars *v);
void mcx_vector_vars_free(mcx_vector_vars *v);
/* Copies; replaces an existing value. Returns 0 or -1 (out of memory). */
int mcx_vector_vars_set(mcx_vector_vars *v, const char *name, const char *value);
const char *mcx_vector_vars_get(const mcx_vector_vars *v, const char *name);
/* Copy every entry of src into dst. */
int mcx_vector_vars_copy(mcx_vector_vars *dst, const mcx_vector_vars *src);
/* Fill with every topology variable the topology gives a value (e.g. no
 * user_online when no user is homed online). Returns 0 or -1. */
int mcx_vector_vars_from_topology(mcx_vector_vars *v, const mcx_topology *t);

/* Expand {{name}} in tmpl. Returns a malloc'd string, or NULL when a name has
 * no value (copied into `missing`) or the template is malformed. */
char *mcx_vector_expand(const char *tmpl, const mcx_vector_vars *v, char *missing,
                        size_t missing_len);
/* Check the {{...}} syntax of tmpl and that each name is known or in
 * `defined` (n entries). Returns 0; -1 for an unknown name (copied into
 * `bad`); -2 for a syntax error (described in `bad`). */
int mcx_vector_template_check(const char *tmpl, const char *const *defined, size_t ndefined,
                              char *bad, size_t bad_len);

/* Base64 (RFC 4648, with padding) of len bytes; malloc'd. */
char *mcx_vector_base64(const unsigned char *data, size_t len);

#endif
