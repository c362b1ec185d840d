/*
 * cmd_conform.c -- `mcxcheck conform`: run the conformance vectors against
 * a server's internal and external web sites; also the option parsing that
 * `mcxcheck record` shares.
 *
 * Owns: the conform command line, choosing the vectors directory, loading
 * the topology whose names the vectors use, the optional shuffle, and the
 * exit code (1 when a vector fails at or above --fail-on, 3 when no vector
 * could reach a target). Does not own: running a vector (conform_run.c) nor
 * rendering the report (cli_common.c, lib/report*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

static void conform_usage(FILE *out, int record)
{
    if (record)
        fputs("usage: mcxcheck record --target-internal URL --target-external URL\n"
              "         [--vectors DIR] [--select GLOB]... [--topology FILE]\n"
              "         [--ca FILE | --insecure] [--mcxd-test-clock] [--check]\n"
              "         [common options]\n\n"
              "Re-record the response bytes of every step of the selected vectors into\n"
              "DIR/recorded/ID.http, or with --check compare instead of writing (a\n"
              "difference is a VC-004 finding, exit 1). Run it against mcxd in\n"
              "deterministic mode: mcxd --now 2026-01-01T00:00:00Z --seed 1.\n",
              out);
    else
        fputs("usage: mcxcheck conform --target-internal URL [--target-internal URL]\n"
              "         --target-external URL [--target-external URL]\n"
              "         [--vectors DIR] [--select GLOB]... [--topology FILE]\n"
              "         [--ca FILE | --insecure] [--shuffle-seed N] [--check-recorded]\n"
              "         [--mcxd-test-clock] [common options]\n\n"
              "Run every vector (one test case each) against the server. A target is a\n"
              "base URL, one per scheme per side, e.g. https://127.0.4.1:14443; each\n"
              "step's URL keeps its real host name and is connected to the target of its\n"
              "site and scheme (curl CONNECT_TO), so Host and TLS SNI are the real names.\n"
              "--vectors defaults to ./vectors, else <binary dir>/../vectors, else\n"
              "<binary dir>/../share/mcxlab/vectors (make install).\n"
              "--select matches vector IDs (shell glob, repeatable). --topology gives\n"
              "the deployment whose names fill the vectors' {{variables}} (default: the\n"
              "embedded contoso.test deployment). --shuffle-seed runs the vectors in a\n"
              "seeded random order. --check-recorded also compares each response with\n"
              "the recording (VC-004 on drift). --mcxd-test-clock says the targets are\n"
              "mcxd started with --test-clock: the vectors that move its clock (POST\n"
              "/_mcxd/clock) run; without it they are skipped (VC-008).\n",
              out);
    fputs("\nCommon options: --format text|json|jsonl|junit|tap, --output FILE,\n"
          "--fail-on LEVEL, --color WHEN, --timings, --now RFC3339, --seed N.\n",
          out);
}

static const char *conform_value(int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq && strncmp(arg, "--", 2) == 0)
        return eq + 1;
    if (*i + 1 >= argc) {
        fprintf(stderr, "mcxcheck %s: %s needs a value\n", argv[0], arg);
        return NULL;
    }
    return argv[++*i];
}

static int conform_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int mcx_conform_cli_parse(int argc, char **argv, int record, mcx_conform_cli *c)
{
    memset(c, 0, sizeof *c);
    mcx_cli_common_init(&c->common);
    c->opt.evaluate = !record;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            conform_usage(stdout, record);
            return 1;
        }
        int common = mcx_cli_common_parse(&c->common, argc, argv, &i);
        if (common < 0)
            return -1;
        if (common > 0)
            continue;
        const char *v = NULL;
        if (conform_is(arg, "--target-internal") || conform_is(arg, "--target-external")) {
            mcx_access site =
                conform_is(arg, "--target-internal") ? MCX_ACCESS_INTERNAL : MCX_ACCESS_EXTERNAL;
            if (!(v = conform_value(argc, argv, &i)))
                return -1;
            if (c->opt.ntargets == MCX_CONFORM_MAX_TARGETS) {
                fprintf(stderr, "mcxcheck %s: too many targets\n", argv[0]);
                return -1;
            }
            char err[256];
            mcx_conform_target *t = &c->opt.targets[c->opt.ntargets];
            if (mcx_conform_parse_target(v, site, t, err, sizeof err) != 0) {
                fprintf(stderr, "mcxcheck %s: %s: %s\n", argv[0], arg, err);
                return -1;
            }
            for (size_t k = 0; k < c->opt.ntargets; k++)
                if (c->opt.targets[k].site == site &&
                    strcmp(c->opt.targets[k].scheme, t->scheme) == 0) {
                    fprintf(stderr, "mcxcheck %s: two %s targets for scheme %s\n", argv[0],
                            site == MCX_ACCESS_INTERNAL ? "internal" : "external", t->scheme);
                    return -1;
                }
            c->opt.ntargets++;
        } else if (conform_is(arg, "--vectors")) {
            if (!(v = conform_value(argc, argv, &i)))
                return -1;
            snprintf(c->vectors_dir, sizeof c->vectors_dir, "%s", v);
        } else if (conform_is(arg, "--select")) {
            if (!(v = conform_value(argc, argv, &i)))
                return -1;
            if (c->nglobs == MCX_CONFORM_MAX_GLOBS) {
                fprintf(stderr, "mcxcheck %s: too many --select\n", argv[0]);
                return -1;
            }
            c->globs[c->nglobs++] = v;
        } else if (conform_is(arg, "--topology")) {
            if (!(c->topology = conform_value(argc, argv, &i)))
                return -1;
        } else if (conform_is(arg, "--ca")) {
            if (!(c->opt.ca_file = conform_value(argc, argv, &i)))
                return -1;
        } else if (strcmp(arg, "--insecure") == 0) {
            c->opt.insecure = 1;
        } else if (strcmp(arg, "--mcxd-test-clock") == 0) {
            c->opt.mcxd_test_clock = 1;
        } else if (!record && conform_is(arg, "--shuffle-seed")) {
            if (!(v = conform_value(argc, argv, &i)))
                return -1;
            char *end;
            c->shuffle_seed = strtoull(v, &end, 10);
            if (!*v || *end) {
                fprintf(stderr, "mcxcheck %s: --shuffle-seed: '%s' is not a number\n", argv[0],
                        v);
                return -1;
            }
            c->has_shuffle = 1;
        } else if ((!record && strcmp(arg, "--check-recorded") == 0) ||
                   (record && strcmp(arg, "--check") == 0)) {
            c->check = 1;
        } else {
            fprintf(stderr, "mcxcheck %s: unknown option '%s' (see mcxcheck help %s)\n", argv[0],
                    arg, argv[0]);
            return -1;
        }
    }
    if (c->opt.ntargets == 0) {
        fprintf(stderr, "mcxcheck %s: give --target-internal and/or --target-external\n",
                argv[0]);
        return -1;
    }
    if (c->opt.ca_file && c->opt.insecure) {
        fprintf(stderr, "mcxcheck %s: --ca and --insecure exclude each other\n", argv[0]);
        return -1;
    }
    if (!c->vectors_dir[0] && mcx_conform_default_dir(c->vectors_dir, sizeof c->vectors_dir)) {
        fprintf(stderr, "mcxcheck %s: no ./vectors directory here; give --vectors DIR\n",
                argv[0]);
        return -1;
    }
    snprintf(c->recorded_dir, sizeof c->recorded_dir, "%s/recorded", c->vectors_dir);
    c->opt.recorded_dir = c->recorded_dir;
    c->opt.check_recorded = c->check;
    c->opt.fail_on = c->common.fail_on;
    return 0;
}

mcx_topology *mcx_conform_cli_topology(const mcx_conform_cli *c, mcx_vector_vars *vars)
{
    mcx_error err;
    memset(&err, 0, sizeof err);
    mcx_topology *t = c->topology ? mcx_topology_load_file(c->topology, &err)
                                  : mcx_topology_load_default(&err);
    if (!t) {
        char msg[1024];
        mcx_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "mcxcheck: topology: %s\n", msg);
        return NULL;
    }
    mcx_vector_vars_init(vars);
    if (mcx_vector_vars_from_topology(vars, t) != 0) {
        fprintf(stderr, "mcxcheck: topology: out of memory\n");
        mcx_vector_vars_free(vars);
        mcx_topology_free(t);
        return NULL;
    }
    return t;
}

void mcx_conform_cli_subject(const mcx_conform_cli *c, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->opt.ntargets && o < len; i++) {
        const mcx_conform_target *t = &c->opt.targets[i];
        int n = snprintf(buf + o, len - o, "%s%s %s://%s:%d", i ? ", " : "",
                         t->site == MCX_ACCESS_INTERNAL ? "internal" : "external", t->scheme,
                         t->addr, t->port);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

int mcxcheck_cmd_conform(int argc, char **argv)
{
    mcx_conform_cli c;
    int rc = mcx_conform_cli_parse(argc, argv, 0, &c);
    if (rc != 0)
        return rc > 0 ? MCX_EXIT_OK : MCX_EXIT_USAGE;
    mcx_vector_vars vars;
    mcx_topology *topo = mcx_conform_cli_topology(&c, &vars);
    if (!topo)
        return MCX_EXIT_USAGE;
    c.opt.topo = topo;

    char subject[1024];
    mcx_conform_cli_subject(&c, subject, sizeof subject);
    mcx_report *rep = mcx_report_new("mcxcheck", "conform", subject);
    mcx_vector **vecs = NULL;
    size_t n = 0;
    char err[512];
    int exit_code;
    if (mcx_conform_load_dir(c.vectors_dir, c.globs, c.nglobs, &vecs, &n, rep, err,
                             sizeof err) != 0) {
        fprintf(stderr, "mcxcheck conform: %s\n", err);
        exit_code = MCX_EXIT_USAGE;
        goto out;
    }
    if (n == 0 && rep->nfindings == 0) {
        fprintf(stderr, "mcxcheck conform: no vector in %s matches the selection\n",
                c.vectors_dir);
        exit_code = MCX_EXIT_USAGE;
        goto out;
    }
    if (c.has_shuffle)
        mcx_conform_shuffle(vecs, n, c.shuffle_seed);

    size_t ran = 0, unreachable = 0;
    for (size_t i = 0; i < n; i++) {
        mcx_conform_recording rec = {NULL, 0};
        int transport_failed = 0;
        int outcome = mcx_conform_run_vector(&c.opt, vecs[i], &vars, rep,
                                             c.check ? &rec : NULL, &transport_failed);
        if (outcome != MCX_CONFORM_SKIP) {
            ran++;
            unreachable += transport_failed != 0;
        }
        if (c.check && outcome != MCX_CONFORM_SKIP && !transport_failed)
            mcx_conform_recording_check(&c.opt, vecs[i], &rec, rep);
        mcx_conform_recording_free(&rec);
    }
    exit_code = mcx_cli_emit(&c.common, rep);
    if (ran > 0 && unreachable == ran && exit_code != MCX_EXIT_USAGE) {
        fprintf(stderr, "mcxcheck conform: no vector reached a target\n");
        exit_code = MCX_EXIT_UNTESTED;
    }
out:
    mcx_conform_free_vectors(vecs, n);
    mcx_report_free(rep);
    mcx_vector_vars_free(&vars);
    mcx_topology_free(topo);
    return exit_code;
}
