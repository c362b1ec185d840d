/*
 * cmd_list.c -- `mcxcheck list` and `mcxcheck explain ID`: the check
 * catalogue and the conformance vectors as text, JSON, Markdown or a man
 * page, and `list --spec`: the conformance spec with two-way traceability
 * between the normative statements (vectors/statements.xml) and the vectors
 * that enforce them (conformance/SPEC.md is its Markdown output).
 *
 * Owns: rendering catalogue entries (ID, level, title, source, remediation,
 * description), vector entries (ID, title, strength, expected result,
 * source, statements) and statements (ID, strength, text, source, vectors)
 * in those formats, and the trace rules of the spec (every statement has a
 * vector, every vector enforces a statement and has the strength of the
 * strongest one; unknown refs are already load errors). Does not own: the catalogue's rows (lib/catalogue_*.c), loading
 * vectors or statements (lib/vector_load.c, lib/vector_statements.c,
 * mcx_conform_load_dir) nor the default vectors directory (conform_run.c).
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "commands.h"
#include "conform.h"
#include "mcx/catalogue.h"
#include "mcx/vector.h"

/* The vectors and statements of one directory, as list and explain use them. */
typedef struct list_suite {
    char dir[4096];
    mcx_vector **vectors; /* sorted by file name */
    size_t nvectors;
    mcx_statements *statements; /* NULL when the directory has none */
    int problems;               /* load errors and trace problems, on stderr */
} list_suite;

typedef enum { LIST_TEXT, LIST_JSON, LIST_MD, LIST_MAN } list_format;

static const char *list_or_empty(const char *s)
{
    return s ? s : "";
}

static int list_parse_format(const char *s, list_format *out, int allow_docs)
{
    if (strcmp(s, "text") == 0)
        *out = LIST_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = LIST_JSON;
    else if (allow_docs && strcmp(s, "md") == 0)
        *out = LIST_MD;
    else if (allow_docs && strcmp(s, "man") == 0)
        *out = LIST_MAN;
    else
        return -1;
    return 0;
}

/* ---- text --------------------------------------------------------------- */

static void list_text_block(FILE *out, const char *label, const char *s)
{
    fprintf(out, "        %-8s", label);
    for (const char *p = list_or_empty(s); *p; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fputs("                ", out);
    }
    fputc('\n', out);
}

static void list_text_entry(FILE *out, const mcx_check *c)
{
    fprintf(out, "%-7s %-8s %s\n", list_or_empty(c->id), mcx_level_name(c->level),
            list_or_empty(c->title));
    list_text_block(out, "About:", c->description);
    list_text_block(out, "Fix:", c->remediation);
    list_text_block(out, "Ref:", c->source);
}

/* ---- json --------------------------------------------------------------- */

static json_t *list_json_str(const char *s)
{
    json_t *v = json_string(list_or_empty(s));
    return v ? v : json_string("(invalid UTF-8 in catalogue)");
}

static json_t *list_json_entry(const mcx_check *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", list_json_str(c->id));
    json_object_set_new(o, "level", json_string(mcx_level_name(c->level)));
    json_object_set_new(o, "title", list_json_str(c->title));
    json_object_set_new(o, "source", list_json_str(c->source));
    json_object_set_new(o, "remediation", list_json_str(c->remediation));
    json_object_set_new(o, "description", list_json_str(c->description));
    return o;
}

/* {"tool","command","checks":[...]}: the start of the shape
 * report.schema.json names "catalogue" (list and explain add "vectors" or
 * "statements"). */
static json_t *list_json_catalogue(const char *command, const mcx_check *const *checks, size_t n)
{
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_string("mcxcheck"));
    json_object_set_new(root, "command", json_string(command));
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, list_json_entry(checks[i]));
    json_object_set_new(root, "checks", arr);
    return root;
}

/* Writes and frees root. 0, or -1 on a write error. */
static int list_json_dump(FILE *out, json_t *root)
{
    int rc = json_dumpf(root, out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(root);
    fputc('\n', out);
    return rc;
}

static void list_md_vectors(FILE *out, const list_suite *suite);
static void list_man_vectors(FILE *out, const list_suite *suite);

/* ---- markdown ----------------------------------------------------------- */

/* Markdown text: HTML-significant characters escaped; in a table cell also
 * '|' and newlines. */
static void list_md_text(FILE *out, const char *s, int in_cell)
{
    for (const char *p = list_or_empty(s); *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '|': fputs(in_cell ? "\\|" : "|", out); break;
        case '\n': fputs(in_cell ? " " : "\n", out); break;
        default: fputc(*p, out);
        }
    }
}

static void list_md_anchor(FILE *out, const char *id)
{
    for (const char *p = list_or_empty(id); *p; p++)
        fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
}

static void list_md(FILE *out, const list_suite *suite)
{
    size_t n = mcx_catalogue_count();
    fputs("# mcxcheck checks and vectors\n\n"
          "<!-- Generated by `mcxcheck list --format md` from the check catalogue "
          "(lib/catalogue_*.c) and the vectors (vectors/*.xml). Do not edit. -->\n\n"
          "Every finding mcxcheck reports carries one of these IDs. "
          "`mcxcheck explain ID` prints one entry.\n\n"
          "| ID | Level | Title |\n|----|-------|-------|\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        fputs("| [", out);
        list_md_text(out, c->id, 1);
        fputs("](#", out);
        list_md_anchor(out, c->id);
        fprintf(out, ") | %s | ", mcx_level_name(c->level));
        list_md_text(out, c->title, 1);
        fputs(" |\n", out);
    }
    for (size_t i = 0; i < n; i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        fputs("\n## ", out);
        list_md_text(out, c->id, 0);
        fputs("\n\n**", out);
        list_md_text(out, c->title, 0);
        fprintf(out, "** (level: %s)\n\n", mcx_level_name(c->level));
        list_md_text(out, c->description, 0);
        fputs("\n\n- **Fix:** ", out);
        list_md_text(out, c->remediation, 1);
        fputs("\n- **Source:** ", out);
        list_md_text(out, c->source, 1);
        fputc('\n', out);
    }
    list_md_vectors(out, suite);
}

/* ---- man ---------------------------------------------------------------- */

/* roff text: backslashes and hyphens escaped, a line never starts with a
 * control character. */
static void list_roff_text(FILE *out, const char *s)
{
    int line_start = 1;
    for (const char *p = list_or_empty(s); *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            fputs("\\&", out);
        line_start = 0;
        switch (*p) {
        case '\\': fputs("\\e", out); break;
        case '-': fputs("\\-", out); break;
        case '\n':
            fputc('\n', out);
            line_start = 1;
            break;
        default: fputc(*p, out);
        }
    }
}

static void list_man(FILE *out, const list_suite *suite)
{
    size_t n = mcx_catalogue_count();
    fputs(".\\\" Generated by `mcxcheck list --format man` from the check catalogue\n"
          ".\\\" (lib/catalogue_*.c) and the vectors (vectors/*.xml). Do not edit.\n"
          ".TH MCXCHECK-CHECKS 7 \"\" \"mcxlab\" \"mcxlab manual\"\n"
          ".SH NAME\n"
          "mcxcheck-checks \\- the checks behind every mcxcheck finding, and the vectors\n"
          ".SH DESCRIPTION\n"
          "Every finding reported by\n.BR mcxcheck (1)\n"
          "carries one of the IDs below, with its level, the fix and the section of the\n"
          "source it enforces.\n"
          ".B mcxcheck explain\n.I ID\nprints one entry.\n"
          ".SH CHECKS\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        fputs(".TP\n.B ", out);
        list_roff_text(out, c->id);
        fputc('\n', out);
        list_roff_text(out, c->title);
        fprintf(out, " (%s)\n.RS\n.PP\n", mcx_level_name(c->level));
        list_roff_text(out, c->description);
        fputs("\n.PP\nFix: ", out);
        list_roff_text(out, c->remediation);
        fputs("\n.PP\nSource: ", out);
        list_roff_text(out, c->source);
        fputs("\n.RE\n", out);
    }
    list_man_vectors(out, suite);
    fputs(".SH SEE ALSO\n.BR mcxcheck (1)\n", out);
}

/* ---- the vector suite --------------------------------------------------- */

/* Load every vector of suite->dir and, when present, its statements file.
 * Load errors go to stderr as file:line: rule: message and count as
 * problems; the valid vectors are still listed. Returns 0, or -1 when the
 * directory cannot be read (message on stderr). */
static int list_suite_load(list_suite *suite, const char *command, int need_statements)
{
    mcx_report *rep = mcx_report_new("mcxcheck", command, NULL);
    if (!rep) {
        fprintf(stderr, "mcxcheck %s: out of memory\n", command);
        return -1;
    }
    char err[4400];
    if (mcx_conform_load_dir(suite->dir, NULL, 0, &suite->vectors, &suite->nvectors, rep, err,
                             sizeof err) != 0) {
        fprintf(stderr, "mcxcheck %s: %s\n", command, err);
        mcx_report_free(rep);
        return -1;
    }
    for (size_t i = 0; i < rep->nfindings; i++) {
        fprintf(stderr, "%s\n", list_or_empty(rep->findings[i].message));
        suite->problems++;
    }
    mcx_report_free(rep);

    char path[4200];
    snprintf(path, sizeof path, "%s/%s", suite->dir, MCX_STATEMENTS_FILE);
    mcx_vector_error verr;
    suite->statements = mcx_statements_load_file(path, &verr);
    if (!suite->statements && (need_statements || strcmp(verr.rule, "io") != 0)) {
        char msg[1024];
        mcx_vector_error_format(&verr, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        suite->problems++;
    }
    return 0;
}

static void list_suite_free(list_suite *suite)
{
    mcx_conform_free_vectors(suite->vectors, suite->nvectors);
    mcx_statements_free(suite->statements);
}

/* The directory: --vectors DIR, else the one conform uses. 0, or -1. */
static int list_suite_dir(list_suite *suite, const char *given)
{
    if (given) {
        snprintf(suite->dir, sizeof suite->dir, "%s", given);
        return 0;
    }
    return mcx_conform_default_dir(suite->dir, sizeof suite->dir);
}

static const mcx_vector *list_find_vector(const list_suite *suite, const char *id)
{
    for (size_t i = 0; i < suite->nvectors; i++)
        if (suite->vectors[i]->id && strcmp(suite->vectors[i]->id, id) == 0)
            return suite->vectors[i];
    return NULL;
}

static int list_enforces(const mcx_vector *v, const char *statement_id)
{
    for (size_t i = 0; i < v->nenforces; i++)
        if (strcmp(v->enforces[i], statement_id) == 0)
            return 1;
    return 0;
}

/* The trace rules of the spec: every statement is enforced by a vector,
 * every vector enforces a statement, with that statement's strength.
 * Problems go to stderr as file[:line]: rule: message. */
static void list_trace_check(list_suite *suite)
{
    const mcx_statements *st = suite->statements;
    for (size_t i = 0; i < suite->nvectors; i++)
        if (suite->vectors[i]->nenforces == 0) {
            fprintf(stderr, "%s: untraced-vector: vector %s enforces no statement (add "
                            "<enforces ref=\"ST-...\"/>)\n",
                    suite->vectors[i]->path, suite->vectors[i]->id);
            suite->problems++;
        }
    /* A vector fails with the strength of the strongest statement it
     * enforces: weaker would turn a MUST failure into a warning. */
    for (size_t i = 0; st && i < suite->nvectors; i++) {
        const mcx_vector *v = suite->vectors[i];
        int strongest = -1;
        for (size_t j = 0; j < v->nenforces; j++) {
            const mcx_statement *s = mcx_statements_find(st, v->enforces[j]);
            if (s && (strongest < 0 || (int)s->strength < strongest))
                strongest = (int)s->strength;
        }
        if (strongest >= 0 && strongest != (int)v->strength) {
            fprintf(stderr, "%s: strength-mismatch: vector %s is %s but the strongest statement "
                            "it enforces is %s\n",
                    v->path, v->id, mcx_vector_strength_name(v->strength),
                    mcx_vector_strength_name((mcx_vector_strength)strongest));
            suite->problems++;
        }
    }
    for (size_t i = 0; st && i < st->n; i++) {
        size_t n = 0;
        for (size_t j = 0; j < suite->nvectors; j++)
            n += (size_t)list_enforces(suite->vectors[j], st->items[i].id);
        if (n == 0) {
            fprintf(stderr, "%s:%d: unenforced-statement: no vector enforces %s\n", st->path,
                    st->items[i].line, st->items[i].id);
            suite->problems++;
        }
    }
}

/* ---- vectors: text ------------------------------------------------------ */

static void list_text_vector(FILE *out, const mcx_vector *v)
{
    fprintf(out, "%-18s %-6s %-10s %s\n", list_or_empty(v->id),
            mcx_vector_strength_name(v->strength), mcx_vector_result_name(v->result),
            list_or_empty(v->title));
    list_text_block(out, "Ref:", v->source);
    fputs("        Enforces: ", out);
    for (size_t i = 0; i < v->nenforces; i++)
        fprintf(out, "%s%s", i ? ", " : "", v->enforces[i]);
    fputc('\n', out);
}

static void list_text_statement(FILE *out, const mcx_statement *st, const list_suite *suite)
{
    fprintf(out, "%-18s %-6s %s\n", st->id, mcx_vector_strength_name(st->strength),
            list_or_empty(st->section));
    list_text_block(out, "Says:", st->text);
    list_text_block(out, "Ref:", st->source);
    fputs("        Vectors: ", out);
    size_t n = 0;
    for (size_t i = 0; i < suite->nvectors; i++)
        if (list_enforces(suite->vectors[i], st->id))
            fprintf(out, "%s%s", n++ ? ", " : "", suite->vectors[i]->id);
    fputc('\n', out);
}

/* ---- vectors and statements: json -------------------------------------- */

static json_t *list_json_vector(const mcx_vector *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", list_json_str(v->id));
    json_object_set_new(o, "title", list_json_str(v->title));
    json_object_set_new(o, "strength", json_string(mcx_vector_strength_name(v->strength)));
    json_object_set_new(o, "result", json_string(mcx_vector_result_name(v->result)));
    json_object_set_new(o, "source", list_json_str(v->source));
    json_t *refs = json_array();
    for (size_t i = 0; i < v->nenforces; i++)
        json_array_append_new(refs, list_json_str(v->enforces[i]));
    json_object_set_new(o, "statements", refs);
    return o;
}

static json_t *list_json_statement(const mcx_statement *st, const list_suite *suite)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", list_json_str(st->id));
    json_object_set_new(o, "section", list_json_str(st->section));
    json_object_set_new(o, "strength", json_string(mcx_vector_strength_name(st->strength)));
    json_object_set_new(o, "text", list_json_str(st->text));
    json_object_set_new(o, "source", list_json_str(st->source));
    json_t *ids = json_array();
    for (size_t i = 0; i < suite->nvectors; i++)
        if (list_enforces(suite->vectors[i], st->id))
            json_array_append_new(ids, list_json_str(suite->vectors[i]->id));
    json_object_set_new(o, "vectors", ids);
    return o;
}

static json_t *list_json_vectors(const list_suite *suite)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < suite->nvectors; i++)
        json_array_append_new(arr, list_json_vector(suite->vectors[i]));
    return arr;
}

/* ---- vectors: markdown and man ------------------------------------------ */

static void list_md_refs(FILE *out, const mcx_vector *v)
{
    for (size_t i = 0; i < v->nenforces; i++) {
        fputs(i ? ", [" : "[", out);
        list_md_text(out, v->enforces[i], 1);
        fputs("](#", out);
        list_md_anchor(out, v->enforces[i]);
        fputc(')', out);
    }
}

static void list_md_vectors(FILE *out, const list_suite *suite)
{
    if (suite->nvectors == 0)
        return;
    fputs("\n# Conformance vectors\n\n"
          "`mcxcheck conform` runs each vector against a server; a failed `must` vector is "
          "VC-001, `should` VC-002, `may` VC-003. Expected: `valid` requests must be served, "
          "`invalid` ones refused, `acceptable` either way. The statements are defined in "
          "vectors/statements.xml (`mcxcheck list --spec`).\n\n"
          "| Vector | Strength | Expected | Title | Source | Statements |\n"
          "|--------|----------|----------|-------|--------|------------|\n",
          out);
    for (size_t i = 0; i < suite->nvectors; i++) {
        const mcx_vector *v = suite->vectors[i];
        fputs("| ", out);
        list_md_text(out, v->id, 1);
        fprintf(out, " | %s | %s | ", mcx_vector_strength_name(v->strength),
                mcx_vector_result_name(v->result));
        list_md_text(out, v->title, 1);
        fputs(" | ", out);
        list_md_text(out, v->source, 1);
        fputs(" | ", out);
        for (size_t j = 0; j < v->nenforces; j++) {
            fputs(j ? ", " : "", out);
            list_md_text(out, v->enforces[j], 1);
        }
        fputs(" |\n", out);
    }
}

static void list_man_vectors(FILE *out, const list_suite *suite)
{
    if (suite->nvectors == 0)
        return;
    fputs(".SH VECTORS\n"
          "Run by\n.BR \"mcxcheck conform\" ;\n"
          "a failed must vector is VC\\-001, should VC\\-002, may VC\\-003.\n",
          out);
    for (size_t i = 0; i < suite->nvectors; i++) {
        const mcx_vector *v = suite->vectors[i];
        fputs(".TP\n.B ", out);
        list_roff_text(out, v->id);
        fputc('\n', out);
        list_roff_text(out, v->title);
        fprintf(out, " (%s, %s)\n.RS\n.PP\nSource: ", mcx_vector_strength_name(v->strength),
                mcx_vector_result_name(v->result));
        list_roff_text(out, v->source);
        fputs("\n.PP\nStatements: ", out);
        for (size_t j = 0; j < v->nenforces; j++) {
            fputs(j ? ", " : "", out);
            list_roff_text(out, v->enforces[j]);
        }
        fputs("\n.RE\n", out);
    }
}

/* ---- the spec ----------------------------------------------------------- */

static void list_spec_counts(const list_suite *suite, size_t counts[3])
{
    counts[0] = counts[1] = counts[2] = 0;
    for (size_t i = 0; suite->statements && i < suite->statements->n; i++)
        counts[suite->statements->items[i].strength]++;
}

static void list_spec_md(FILE *out, const list_suite *suite)
{
    const mcx_statements *st = suite->statements;
    size_t counts[3];
    list_spec_counts(suite, counts);
    fputs("# mcxlab conformance specification\n\n"
          "<!-- Generated by `mcxcheck list --spec --format md` from vectors/statements.xml "
          "and vectors/*.xml. Do not edit: conformance/test/spec_trace.sh fails when this "
          "file differs from a fresh run. -->\n\n"
          "Every normative statement the conformance suite enforces, each with the vectors "
          "that enforce it, then every vector with the statements it enforces. The statement "
          "texts are this project's own wording of the cited sources: the Lync Server 2010 "
          "mobility planning document (by section title) and the MS-OCDISCWS / MS-OCAUTHWS "
          "behaviour summarised in protocol.md. `must` statements fail a conforming server "
          "when broken (VC-001), `should` ones warn (VC-002), `may` ones only note (VC-003).\n\n",
          out);
    fprintf(out, "%zu statements (%zu must, %zu should, %zu may), %zu vectors.\n\n",
            st ? st->n : 0, counts[0], counts[1], counts[2], suite->nvectors);
    fputs("## Statements\n", out);
    const char *section = NULL;
    for (size_t i = 0; st && i < st->n; i++) {
        const mcx_statement *s = &st->items[i];
        if (!section || strcmp(section, s->section) != 0) {
            section = s->section;
            fputs("\n### ", out);
            list_md_text(out, section, 0);
            fputc('\n', out);
        }
        fputs("\n#### ", out);
        list_md_text(out, s->id, 0);
        fprintf(out, "\n\n**%s.** ", mcx_vector_strength_name(s->strength));
        list_md_text(out, s->text, 0);
        fputs("\n\n- **Source:** ", out);
        list_md_text(out, s->source, 1);
        fputs("\n- **Enforced by:** ", out);
        size_t n = 0;
        for (size_t j = 0; j < suite->nvectors; j++) {
            const mcx_vector *v = suite->vectors[j];
            if (!list_enforces(v, s->id))
                continue;
            fputs(n++ ? ", [" : "[", out);
            list_md_text(out, v->id, 1);
            fputs("](#", out);
            list_md_anchor(out, v->id);
            fputc(')', out);
        }
        fputs(n ? "\n" : "(none)\n", out);
    }
    fputs("\n## Vectors\n", out);
    for (size_t i = 0; i < suite->nvectors; i++) {
        const mcx_vector *v = suite->vectors[i];
        fputs("\n### ", out);
        list_md_text(out, v->id, 0);
        fputs("\n\n", out);
        list_md_text(out, v->title, 0);
        fprintf(out, "\n\n- **Strength:** %s; **expected:** %s\n- **Source:** ",
                mcx_vector_strength_name(v->strength), mcx_vector_result_name(v->result));
        list_md_text(out, v->source, 1);
        fputs("\n- **Enforces:** ", out);
        list_md_refs(out, v);
        fputs(v->nenforces ? "\n" : "(none)\n", out);
    }
}

static json_t *list_spec_json(const list_suite *suite)
{
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_string("mcxcheck"));
    json_object_set_new(root, "command", json_string("spec"));
    json_t *arr = json_array();
    for (size_t i = 0; suite->statements && i < suite->statements->n; i++)
        json_array_append_new(arr, list_json_statement(&suite->statements->items[i], suite));
    json_object_set_new(root, "statements", arr);
    json_object_set_new(root, "vectors", list_json_vectors(suite));
    return root;
}

/* ---- commands ----------------------------------------------------------- */

static int list_finish(FILE *out)
{
    if (fflush(out) != 0 || ferror(out)) {
        fputs("mcxcheck: cannot write to stdout\n", stderr);
        return MCX_EXIT_USAGE;
    }
    return MCX_EXIT_OK;
}

/* Parse "--format X" / "--format=X"; returns 1 consumed, 0 not it, -1 bad. */
static int list_format_option(int argc, char **argv, int *i, list_format *fmt, int allow_docs,
                              const char *command)
{
    const char *arg = argv[*i], *v;
    if (strncmp(arg, "--format=", 9) == 0) {
        v = arg + 9;
    } else if (strcmp(arg, "--format") == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "mcxcheck %s: --format: missing value\n", command);
            return -1;
        }
        v = argv[++*i];
    } else {
        return 0;
    }
    if (list_parse_format(v, fmt, allow_docs) != 0) {
        fprintf(stderr, "mcxcheck %s: --format: invalid value '%s': expected %s\n", command, v,
                allow_docs ? "text, json, md or man" : "text or json");
        return -1;
    }
    return 1;
}

/* Parse "--vectors DIR" / "--vectors=DIR"; returns 1 consumed, 0 not it,
 * -1 bad. */
static int list_vectors_option(int argc, char **argv, int *i, const char **dir,
                               const char *command)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--vectors=", 10) == 0) {
        *dir = arg + 10;
    } else if (strcmp(arg, "--vectors") == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "mcxcheck %s: --vectors: missing directory\n", command);
            return -1;
        }
        *dir = argv[++*i];
    } else {
        return 0;
    }
    if (!**dir) {
        fprintf(stderr, "mcxcheck %s: --vectors: empty directory name\n", command);
        return -1;
    }
    return 1;
}

static int list_write_json(FILE *out, json_t *root)
{
    if (!root || list_json_dump(out, root) != 0)
        return list_finish(out) == MCX_EXIT_OK ? MCX_EXIT_INTERNAL : MCX_EXIT_USAGE;
    return MCX_EXIT_OK;
}

static int list_spec(list_suite *suite, list_format fmt)
{
    list_trace_check(suite);
    int rc = MCX_EXIT_OK;
    if (fmt == LIST_JSON)
        rc = list_write_json(stdout, list_spec_json(suite));
    else
        list_spec_md(stdout, suite);
    if (rc == MCX_EXIT_OK)
        rc = list_finish(stdout);
    if (rc == MCX_EXIT_OK && suite->problems) {
        fprintf(stderr, "mcxcheck list --spec: %d traceability problem(s) in %s\n",
                suite->problems, suite->dir);
        rc = MCX_EXIT_FINDINGS;
    }
    return rc;
}

int mcxcheck_cmd_list(int argc, char **argv)
{
    list_format fmt = LIST_TEXT;
    int has_format = 0, spec = 0;
    const char *vectors_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs("usage: mcxcheck list [--format text|json|md|man] [--vectors DIR]\n"
                  "       mcxcheck list --spec [--format md|json] [--vectors DIR]\n"
                  "Print every check of the catalogue and every conformance vector (ID, title,\n"
                  "strength, expected result, source, statements). --spec prints the\n"
                  "conformance spec instead: every statement of DIR/statements.xml with the\n"
                  "vectors enforcing it, and every vector with its statements; it exits 1\n"
                  "when a statement has no vector or a vector enforces none. --vectors\n"
                  "defaults to ./vectors, else <binary dir>/../vectors or\n"
                  "<binary dir>/../share/mcxlab/vectors (as conform).\n",
                  stdout);
            return MCX_EXIT_OK;
        }
        if (strcmp(argv[i], "--spec") == 0) {
            spec = 1;
            continue;
        }
        int m = list_format_option(argc, argv, &i, &fmt, 1, "list");
        if (m == 1) {
            has_format = 1;
            continue;
        }
        if (m == 0)
            m = list_vectors_option(argc, argv, &i, &vectors_dir, "list");
        if (m < 0)
            return MCX_EXIT_USAGE;
        if (m == 0) {
            fprintf(stderr, "mcxcheck list: unknown argument '%s' (see mcxcheck list --help)\n",
                    argv[i]);
            return MCX_EXIT_USAGE;
        }
    }
    if (spec && !has_format)
        fmt = LIST_MD;
    if (spec && fmt != LIST_MD && fmt != LIST_JSON) {
        fputs("mcxcheck list: --spec: --format must be md or json\n", stderr);
        return MCX_EXIT_USAGE;
    }

    list_suite suite;
    memset(&suite, 0, sizeof suite);
    if (list_suite_dir(&suite, vectors_dir) != 0) {
        if (spec) {
            fputs("mcxcheck list: no ./vectors directory here; give --vectors DIR\n", stderr);
            return MCX_EXIT_USAGE;
        }
        fputs("mcxcheck list: no vectors directory found (give --vectors DIR); listing checks "
              "only\n",
              stderr);
    } else if (list_suite_load(&suite, "list", spec) != 0) {
        return MCX_EXIT_USAGE;
    }
    if (spec) {
        int rc = list_spec(&suite, fmt);
        list_suite_free(&suite);
        return rc;
    }

    size_t n = mcx_catalogue_count();
    int rc = MCX_EXIT_OK;
    switch (fmt) {
    case LIST_TEXT:
        for (size_t i = 0; i < n; i++) {
            list_text_entry(stdout, mcx_catalogue_at(i));
            fputc('\n', stdout);
        }
        fprintf(stdout, "%zu checks\n", n);
        for (size_t i = 0; i < suite.nvectors; i++) {
            fputc('\n', stdout);
            list_text_vector(stdout, suite.vectors[i]);
        }
        if (suite.nvectors)
            fprintf(stdout, "\n%zu vectors\n", suite.nvectors);
        break;
    case LIST_JSON: {
        const mcx_check **all = calloc(n ? n : 1, sizeof *all);
        if (!all) {
            fputs("mcxcheck list: out of memory\n", stderr);
            list_suite_free(&suite);
            return MCX_EXIT_INTERNAL;
        }
        for (size_t i = 0; i < n; i++)
            all[i] = mcx_catalogue_at(i);
        json_t *root = list_json_catalogue("list", all, n);
        free(all);
        json_object_set_new(root, "vectors", list_json_vectors(&suite));
        rc = list_write_json(stdout, root);
        break;
    }
    case LIST_MD: list_md(stdout, &suite); break;
    case LIST_MAN: list_man(stdout, &suite); break;
    }
    if (rc == MCX_EXIT_OK)
        rc = list_finish(stdout);
    if (rc == MCX_EXIT_OK && suite.problems)
        rc = MCX_EXIT_FINDINGS;
    list_suite_free(&suite);
    return rc;
}

/* explain a vector or statement ID from the suite. */
static int list_explain_suite(const char *id, list_format fmt, const char *vectors_dir)
{
    list_suite suite;
    memset(&suite, 0, sizeof suite);
    if (list_suite_dir(&suite, vectors_dir) != 0 || list_suite_load(&suite, "explain", 0) != 0) {
        fprintf(stderr,
                "mcxcheck explain: unknown check ID '%s' and no vectors directory to look in "
                "(give --vectors DIR)\n",
                id);
        return MCX_EXIT_USAGE;
    }
    const mcx_vector *v = list_find_vector(&suite, id);
    const mcx_statement *st = v ? NULL : mcx_statements_find(suite.statements, id);
    int rc = MCX_EXIT_OK;
    if (!v && !st) {
        fprintf(stderr,
                "mcxcheck explain: unknown check, vector or statement ID '%s' (see mcxcheck "
                "list)\n",
                id);
        rc = MCX_EXIT_USAGE;
    } else if (fmt == LIST_JSON) {
        json_t *root = list_json_catalogue("explain", NULL, 0);
        json_t *arr = json_array();
        json_array_append_new(arr, v ? list_json_vector(v) : list_json_statement(st, &suite));
        json_object_set_new(root, v ? "vectors" : "statements", arr);
        rc = list_write_json(stdout, root);
    } else if (v) {
        list_text_vector(stdout, v);
    } else {
        list_text_statement(stdout, st, &suite);
    }
    list_suite_free(&suite);
    return rc == MCX_EXIT_OK ? list_finish(stdout) : rc;
}

int mcxcheck_cmd_explain(int argc, char **argv)
{
    list_format fmt = LIST_TEXT;
    const char *id = NULL, *vectors_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs("usage: mcxcheck explain ID [--format text|json] [--vectors DIR]\n"
                  "Print one check of the catalogue (level, title, source, fix, description),\n"
                  "one conformance vector (title, strength, expected result, source,\n"
                  "statements) or one statement of the spec (text, source, vectors).\n",
                  stdout);
            return MCX_EXIT_OK;
        }
        int m = list_format_option(argc, argv, &i, &fmt, 0, "explain");
        if (m == 0)
            m = list_vectors_option(argc, argv, &i, &vectors_dir, "explain");
        if (m < 0)
            return MCX_EXIT_USAGE;
        if (m == 1)
            continue;
        if (argv[i][0] == '-' || id) {
            fprintf(stderr, "mcxcheck explain: unexpected argument '%s'\n", argv[i]);
            return MCX_EXIT_USAGE;
        }
        id = argv[i];
    }
    if (!id) {
        fputs("mcxcheck explain: missing ID (usage: mcxcheck explain ID)\n", stderr);
        return MCX_EXIT_USAGE;
    }
    const mcx_check *c = mcx_catalogue_find(id);
    if (!c)
        return list_explain_suite(id, fmt, vectors_dir);
    if (fmt == LIST_JSON) {
        int rc = list_write_json(stdout, list_json_catalogue("explain", &c, 1));
        if (rc != MCX_EXIT_OK)
            return rc;
    } else {
        list_text_entry(stdout, c);
    }
    return list_finish(stdout);
}
