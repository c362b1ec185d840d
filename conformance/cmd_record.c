/*
 * cmd_record.c -- `mcxcheck record`: re-record the exact response bytes of
 * every step of the selected vectors into DIR/recorded/ID.http, or with
 * --check compare them with what is recorded (drift: VC-004).
 *
 * Owns: the record loop and writing recording files (the vector XML files
 * are never touched, so they stay byte-for-byte). Does not own: the
 * recording format (conform_run.c) nor option parsing (cmd_conform.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "conform.h"

static int record_one(const mcx_conform_cli *c, const mcx_vector *v,
                      const mcx_vector_vars *vars, mcx_report *rep)
{
    mcx_conform_recording rec = {NULL, 0};
    int transport_failed = 0;
    int outcome = mcx_conform_run_vector(&c->opt, v, vars, NULL, &rec, &transport_failed);
    int rc = 0;
    if (outcome == MCX_CONFORM_SKIP) {
        mcx_report_case(rep, v->id, -1,
                        "precondition not met (profile, topology variable or --mcxd-test-clock)");
    } else if (transport_failed || rec.n != v->nsteps) {
        mcx_finding *f = mcx_report_add(rep, "VC-007", "%s: %zu of %zu steps ran (a step got no response or a capture failed)",
                                        v->id, rec.n, v->nsteps);
        mcx_finding_set_subject(f, v->id);
        mcx_report_case(rep, v->id, 0, "not every step got a response");
        rc = -1;
    } else if (c->check) {
        int same = mcx_conform_recording_check(&c->opt, v, &rec, rep);
        mcx_report_case(rep, v->id, same, same ? NULL : "recording missing, unreadable or drifted");
    } else {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s.http", c->recorded_dir, v->id);
        if (mcx_conform_recording_write(path, v->id, &rec) != 0) {
            fprintf(stderr, "mcxcheck record: cannot write %s: %s\n", path, strerror(errno));
            rc = -2;
        } else {
            mcx_report_case(rep, v->id, 1, NULL);
        }
    }
    mcx_conform_recording_free(&rec);
    return rc;
}

int mcxcheck_cmd_record(int argc, char **argv)
{
    mcx_conform_cli c;
    int rc = mcx_conform_cli_parse(argc, argv, 1, &c);
    if (rc != 0)
        return rc > 0 ? MCX_EXIT_OK : MCX_EXIT_USAGE;
    if (!c.check && mkdir(c.recorded_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mcxcheck record: cannot create %s: %s\n", c.recorded_dir,
                strerror(errno));
        return MCX_EXIT_USAGE;
    }
    mcx_vector_vars vars;
    mcx_topology *topo = mcx_conform_cli_topology(&c, &vars);
    if (!topo)
        return MCX_EXIT_USAGE;
    c.opt.topo = topo;

    char subject[1024];
    mcx_conform_cli_subject(&c, subject, sizeof subject);
    mcx_report *rep = mcx_report_new("mcxcheck", "record", subject);
    mcx_vector **vecs = NULL;
    size_t n = 0;
    char err[512];
    int exit_code = MCX_EXIT_OK;
    if (mcx_conform_load_dir(c.vectors_dir, c.globs, c.nglobs, &vecs, &n, rep, err,
                             sizeof err) != 0) {
        fprintf(stderr, "mcxcheck record: %s\n", err);
        exit_code = MCX_EXIT_USAGE;
        goto out;
    }
    size_t unreachable = 0, ran = 0;
    for (size_t i = 0; i < n && exit_code == MCX_EXIT_OK; i++) {
        int one = record_one(&c, vecs[i], &vars, rep);
        ran++;
        unreachable += one == -1;
        if (one == -2)
            exit_code = MCX_EXIT_UNTESTED;
    }
    if (exit_code == MCX_EXIT_OK) {
        exit_code = mcx_cli_emit(&c.common, rep);
        if (ran > 0 && unreachable == ran && exit_code != MCX_EXIT_USAGE)
            exit_code = MCX_EXIT_UNTESTED;
    }
out:
    mcx_conform_free_vectors(vecs, n);
    mcx_report_free(rep);
    mcx_vector_vars_free(&vars);
    mcx_topology_free(topo);
    return exit_code;
}
