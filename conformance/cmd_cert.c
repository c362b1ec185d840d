/*
 * cmd_cert.c -- `mcxcheck cert`: check a server certificate file against the
 * mobility role it serves (seed: "Certificate Requirements").
 *
 * Owns: the options of cert (--role, --sip-domain, --file, --chain, --ca,
 * --at, --topology, --pool, --external-record, --key, --issuing-ca), loading
 * the inputs (a bad file is exit 2 with a message naming the file and the
 * byte offset), and the exit code: 0 no finding at or above --fail-on, 1
 * findings, 2 usage or input error, 4 internal error.
 * Does not own: loading and the rules themselves (lib/cert_load.c,
 * lib/cert_check.c), the common options and rendering (cli_common.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/x509.h>

#include "commands.h"
#include "mcx/cert_check.h"
#include "mcx/topology.h"

#define CERT_MAX_SIP_DOMAINS 64
#define CERT_MAX_CHAIN_FILES 8

static void cert_usage(FILE *out)
{
    fputs("usage: mcxcheck cert --role director|frontend|reverse-proxy --file PEM [options]\n"
          "  --sip-domain D            a SIP domain (repeatable; default: the topology's)\n"
          "  --file FILE               the server certificate, PEM or DER; further\n"
          "                            certificates in it are the chain\n"
          "  --chain FILE              more intermediate certificates (repeatable)\n"
          "  --ca FILE                 trust anchors (default: the system store)\n"
          "  --at RFC3339              verification time (default: --now, else the clock)\n"
          "  --topology FILE           also require the web services names of the role\n"
          "  --pool ID                 the Director/Front End pool of the topology\n"
          "  --external-record cname|a the public lyncdiscover.<d> record (default cname)\n"
          "  --key FILE                the private key: must match the certificate\n"
          "  --issuing-ca NAME         -Ca of the Request-CsCertificate fix (e.g. dc\\myca)\n"
          "  plus --format --output --fail-on --color --timings --now --seed\n"
          "Name matching: exact or *.<parent> SANs (one whole left-most label); no\n"
          "partial-label wildcards, no *.<tld>; case-insensitive; the subject CN is not\n"
          "used. With --external-record a, a Director certificate needs no\n"
          "lyncdiscover.<d> (as Set-CsCertificate).\n"
          "Exit: 0 ok, 1 findings, 2 usage or input error, 4 internal error.\n",
          out);
}

/* A SIP domain: letters, digits, '-', '.', not empty, at most 253 bytes. */
static int cert_valid_domain(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 253 || d[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = d[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* Append every certificate of `path` to *chain. 0, or -1 (message printed). */
static int cert_append_file(const char *path, STACK_OF(X509) *chain)
{
    STACK_OF(X509) *more = NULL;
    mcx_error err;
    char line[1024];
    if (mcx_cert_load_file(path, &more, &err) != 0) {
        mcx_error_format(&err, line, sizeof line);
        fprintf(stderr, "mcxcheck cert: %s\n", line);
        return -1;
    }
    while (sk_X509_num(more) > 0) {
        X509 *x = sk_X509_shift(more);
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            sk_X509_pop_free(more, X509_free);
            fprintf(stderr, "mcxcheck cert: out of memory\n");
            return -1;
        }
    }
    sk_X509_free(more);
    return 0;
}

typedef struct cert_options {
    mcx_cli_common common;
    const char *role;
    const char *file;
    const char *chain_files[CERT_MAX_CHAIN_FILES];
    size_t nchain_files;
    const char *ca;
    const char *at;
    const char *topology;
    const char *pool;
    const char *external_record;
    const char *key;
    const char *issuing_ca;
    const char *sip_domains[CERT_MAX_SIP_DOMAINS];
    size_t nsip_domains;
} cert_options;

/* Match "--name VALUE" or "--name=VALUE". 1 matched, 0 not, -1 missing value. */
static int cert_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "mcxcheck cert: %s: missing value\n", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* 0 ok, 1 --help shown, -1 usage error (message printed). */
static int cert_parse(int argc, char **argv, cert_options *o)
{
    static const char *const single[] = {"--role", "--file", "--ca", "--at", "--topology",
                                         "--pool", "--external-record", "--key",
                                         "--issuing-ca"};
    memset(o, 0, sizeof *o);
    mcx_cli_common_init(&o->common);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m = mcx_cli_common_parse(&o->common, argc, argv, &i);
        if (m < 0)
            return -1;
        if (m > 0)
            continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cert_usage(stdout);
            return 1;
        }
        if ((m = cert_opt(argc, argv, &i, "--sip-domain", &v)) != 0) {
            if (m < 0)
                return -1;
            if (!cert_valid_domain(v)) {
                fprintf(stderr, "mcxcheck cert: --sip-domain '%s': not a DNS domain name\n", v);
                return -1;
            }
            if (o->nsip_domains == CERT_MAX_SIP_DOMAINS) {
                fprintf(stderr, "mcxcheck cert: more than %d --sip-domain\n",
                        CERT_MAX_SIP_DOMAINS);
                return -1;
            }
            o->sip_domains[o->nsip_domains++] = v;
            continue;
        }
        if ((m = cert_opt(argc, argv, &i, "--chain", &v)) != 0) {
            if (m < 0)
                return -1;
            if (o->nchain_files == CERT_MAX_CHAIN_FILES) {
                fprintf(stderr, "mcxcheck cert: more than %d --chain\n", CERT_MAX_CHAIN_FILES);
                return -1;
            }
            o->chain_files[o->nchain_files++] = v;
            continue;
        }
        const char **slots[] = {&o->role, &o->file, &o->ca, &o->at, &o->topology,
                                &o->pool, &o->external_record, &o->key, &o->issuing_ca};
        size_t k;
        for (k = 0; k < sizeof single / sizeof single[0]; k++) {
            m = cert_opt(argc, argv, &i, single[k], &v);
            if (m < 0)
                return -1;
            if (m > 0) {
                *slots[k] = v;
                break;
            }
        }
        if (k < sizeof single / sizeof single[0])
            continue;
        fprintf(stderr, "mcxcheck cert: unknown option '%s' (see --help)\n", a);
        return -1;
    }
    if (!o->role || !o->file) {
        fprintf(stderr, "mcxcheck cert: --role and --file are required (see --help)\n");
        return -1;
    }
    return 0;
}

typedef struct cert_run {
    STACK_OF(X509) *certs; /* from --file and --chain: leaf first */
    STACK_OF(X509) *chain; /* certs without the leaf (borrowed pointers) */
    X509_STORE *trust;
    EVP_PKEY *key;
    mcx_topology *topology;
} cert_run;

static void cert_run_free(cert_run *run)
{
    sk_X509_free(run->chain);
    sk_X509_pop_free(run->certs, X509_free);
    X509_STORE_free(run->trust);
    EVP_PKEY_free(run->key);
    mcx_topology_free(run->topology);
}

/* Load every input named by the options. 0, or -1 (message printed). */
static int cert_load_inputs(const cert_options *o, cert_run *run)
{
    mcx_error err;
    char line[1024];
    run->certs = sk_X509_new_null();
    if (!run->certs || cert_append_file(o->file, run->certs) != 0)
        return -1;
    for (size_t i = 0; i < o->nchain_files; i++)
        if (cert_append_file(o->chain_files[i], run->certs) != 0)
            return -1;
    run->chain = sk_X509_new_null();
    for (int i = 1; run->chain && i < sk_X509_num(run->certs); i++)
        if (!sk_X509_push(run->chain, sk_X509_value(run->certs, i)))
            return -1;
    if (!run->chain)
        return -1;
    if (o->ca && !(run->trust = mcx_cert_load_store_file(o->ca, &err)))
        goto failed;
    if (o->key && !(run->key = mcx_cert_load_key_file(o->key, &err)))
        goto failed;
    if (o->topology && !(run->topology = mcx_topology_load_file(o->topology, &err)))
        goto failed;
    return 0;
failed:
    mcx_error_format(&err, line, sizeof line);
    fprintf(stderr, "mcxcheck cert: %s\n", line);
    return -1;
}

int mcxcheck_cmd_cert(int argc, char **argv)
{
    cert_options o;
    cert_run run;
    mcx_cert_input in;
    char why[512];
    int rc = cert_parse(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? MCX_EXIT_OK : MCX_EXIT_USAGE;

    memset(&in, 0, sizeof in);
    memset(&run, 0, sizeof run);
    if (mcx_cert_role_parse(o.role, &in.role) != 0) {
        fprintf(stderr, "mcxcheck cert: --role '%s': expected director, frontend or "
                        "reverse-proxy\n", o.role);
        return MCX_EXIT_USAGE;
    }
    if (o.external_record && strcmp(o.external_record, "cname") == 0) {
        in.external_record = MCX_EXTERNAL_RECORD_CNAME;
    } else if (o.external_record && strcmp(o.external_record, "a") == 0) {
        in.external_record = MCX_EXTERNAL_RECORD_A;
    } else if (o.external_record) {
        fprintf(stderr, "mcxcheck cert: --external-record '%s': expected cname or a\n",
                o.external_record);
        return MCX_EXIT_USAGE;
    }
    if (o.at) {
        if (mcx_cli_parse_rfc3339(o.at, &in.at) != 0) {
            fprintf(stderr, "mcxcheck cert: --at '%s': not an RFC 3339 date-time\n", o.at);
            return MCX_EXIT_USAGE;
        }
    } else if (mcx_cli_common_now(&o.common, &in.at) != 0) {
        fprintf(stderr, "mcxcheck cert: --now '%s': not an RFC 3339 date-time\n", o.common.now);
        return MCX_EXIT_USAGE;
    }
    if (cert_load_inputs(&o, &run) != 0) {
        cert_run_free(&run);
        return MCX_EXIT_USAGE;
    }
    if (run.topology && in.role != MCX_CERT_ROLE_REVERSE_PROXY) {
        in.pool = mcx_cert_topology_pool(run.topology, in.role, o.pool, why, sizeof why);
        if (!in.pool) {
            fprintf(stderr, "mcxcheck cert: --topology: %s\n", why);
            cert_run_free(&run);
            return MCX_EXIT_USAGE;
        }
    } else if (o.pool) {
        fprintf(stderr, "mcxcheck cert: --pool needs --topology and a Director or Front End "
                        "role\n");
        cert_run_free(&run);
        return MCX_EXIT_USAGE;
    }
    if (o.nsip_domains == 0 && run.topology) {
        in.sip_domains = (const char *const *)run.topology->sip_domains;
        in.nsip_domains = run.topology->nsip_domains;
    } else {
        in.sip_domains = o.sip_domains;
        in.nsip_domains = o.nsip_domains;
    }
    if (in.nsip_domains == 0) {
        fprintf(stderr, "mcxcheck cert: give at least one --sip-domain (or --topology)\n");
        cert_run_free(&run);
        return MCX_EXIT_USAGE;
    }
    in.leaf = sk_X509_value(run.certs, 0);
    in.chain = run.chain;
    in.trust = run.trust;
    in.key = run.key;
    in.topology = run.topology;
    in.subject = o.file;
    in.issuing_ca = o.issuing_ca;

    mcx_report *r = mcx_report_new("mcxcheck", "cert", o.file);
    if (!r) {
        cert_run_free(&run);
        return MCX_EXIT_INTERNAL;
    }
    r->timings = o.common.timings;
    int check_rc = mcx_cert_check(&in, r);
    rc = mcx_cli_emit(&o.common, r);
    mcx_report_free(r);
    cert_run_free(&run);
    return check_rc != 0 ? MCX_EXIT_INTERNAL : rc;
}
