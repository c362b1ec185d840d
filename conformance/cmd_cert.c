/*
 * cmd_cert.c -- `mcxcheck cert`: check a server certificate -- a file, or
 * the chain a live server presents -- against the mobility role it serves
 * (seed: "Certificate Requirements").
 *
 * Owns: the options of cert (--role, --sip-domain, --file, --chain, --ca,
 * --at, --topology, --pool, --external-record, --key, --issuing-ca,
 * --connect, --sni, --tls-profile, --timeout), the steps and CT-020..CT-025
 * findings of a live handshake (what each TLS profile saw), the step that
 * says the certificate check ran and how it came out, loading
 * the inputs (a bad file is exit 2 with a message naming the file and the
 * byte offset), and the exit code: 0 no finding at or above --fail-on, 1
 * findings, 2 usage or input error, 3 --connect reached no server (DNS or
 * TCP connect failed), 4 internal error. A server that accepts TCP but fails
 * the handshake (stall, plain HTTP, no common version) is a finding (1).
 * Does not own: loading and the rules themselves (lib/cert_load.c,
 * lib/cert_check.c), the common options and rendering (cli_common.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "commands.h"
#include "mcx/cert_check.h"
#include "mcx/topology.h"

#define CERT_MAX_SIP_DOMAINS 64
#define CERT_MAX_CHAIN_FILES 8

static void cert_usage(FILE *out)
{
    fputs("usage: mcxcheck cert --role director|frontend|reverse-proxy\n"
          "                     (--file PEM | --connect HOST:PORT) [options]\n"
          "  --sip-domain D            a SIP domain (repeatable; default: the topology's)\n"
          "  --file FILE               the server certificate, PEM or DER; further\n"
          "                            certificates in it are the chain\n"
          "  --chain FILE              more intermediate certificates (repeatable)\n"
          "  --connect HOST:PORT       check the chain a TLS server presents instead\n"
          "  --sni NAME                server name sent (default: HOST unless an address);\n"
          "                            give the lyncdiscover name a phone asks for\n"
          "  --timeout MS              TCP connect + handshake limit (default 10000)\n"
          "  --ca FILE                 trust anchors (default: the system store)\n"
          "  --at RFC3339              verification time (default: --now, else the clock)\n"
          "  --topology FILE           also require the web services names of the role\n"
          "  --pool ID                 the Director/Front End pool of the topology\n"
          "  --external-record cname|a the public lyncdiscover.<d> record (default cname)\n"
          "  --key FILE                the private key: must match the certificate\n",
          out);
    mcx_cli_tls_usage(out, 1);
    fputs("  plus --format --output --fail-on --color --timings --now --seed\n"
          "Name matching: exact or *.<parent> SANs (one whole left-most label); no\n"
          "partial-label wildcards, no *.<tld>; case-insensitive; the subject CN is not\n"
          "used. With --external-record a, a Director certificate needs no\n"
          "lyncdiscover.<d> (as Set-CsCertificate).\n"
          "Exit: 0 ok, 1 findings, 2 usage or input error, 3 no server reached,\n"
          "4 internal error.\n",
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
    mcx_cli_tls tls; /* --tls-profile, --issuing-ca */
    const char *connect;
    const char *sni;
    const char *timeout;
    const char *sip_domains[CERT_MAX_SIP_DOMAINS];
    size_t nsip_domains;
} cert_options;

/* 0 ok, 1 --help shown, -1 usage error (message printed). */
static int cert_parse(int argc, char **argv, cert_options *o)
{
    static const char *const single[] = {"--role", "--file", "--ca", "--at", "--topology",
                                         "--pool", "--external-record", "--key",
                                         "--connect", "--sni", "--timeout"};
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
        if ((m = mcx_cli_option("cert", argc, argv, &i, "--sip-domain", &v)) != 0) {
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
        if ((m = mcx_cli_tls_option("cert", &o->tls, 1, argc, argv, &i)) != 0) {
            if (m < 0)
                return -1;
            continue;
        }
        if ((m = mcx_cli_option("cert", argc, argv, &i, "--chain", &v)) != 0) {
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
                                &o->pool, &o->external_record, &o->key,
                                &o->connect, &o->sni, &o->timeout};
        size_t k;
        for (k = 0; k < sizeof single / sizeof single[0]; k++) {
            m = mcx_cli_option("cert", argc, argv, &i, single[k], &v);
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
    if (!o->role || (!o->file == !o->connect)) {
        fprintf(stderr, "mcxcheck cert: --role and one of --file or --connect are required "
                        "(see --help)\n");
        return -1;
    }
    if (!o->connect && (o->sni || o->tls.profile_given || o->timeout)) {
        fprintf(stderr, "mcxcheck cert: --sni, --tls-profile and --timeout need --connect\n");
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
    if (!run->certs)
        run->certs = sk_X509_new_null();
    if (!run->certs || (o->file && cert_append_file(o->file, run->certs) != 0))
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

/* "HOST:PORT" or "[V6]:PORT" into host/port. 0, or -1. */
static int cert_split_hostport(const char *s, char *host, size_t hostlen, char *port,
                               size_t portlen)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1] || strlen(colon + 1) >= portlen)
        return -1;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    long n = strtol(colon + 1, NULL, 10);
    if (n < 1 || n > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    return 0;
}

static int cert_is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The finding for a probe that presented no chain. */
static void cert_probe_finding(mcx_report *r, const mcx_tls_probe *p, const char *target)
{
    static const char *const ids[] = {
        [MCX_TLS_OK] = "CT-020",         [MCX_TLS_E_RESOLVE] = "CT-025",
        [MCX_TLS_E_CONNECT] = "CT-025",  [MCX_TLS_E_TIMEOUT] = "CT-023",
        [MCX_TLS_E_PLAIN_HTTP] = "CT-024", [MCX_TLS_E_VERSION] = "CT-022",
        [MCX_TLS_E_HANDSHAKE] = "CT-020", [MCX_TLS_E_INTERNAL] = "CT-000",
    };
    mcx_finding *f = mcx_report_add(r, ids[p->result], "%s (--tls-profile %s): %s", target,
                                    mcx_tls_profile_name(p->profile), p->error);
    if (f)
        mcx_finding_set_subject(f, target);
}

/* --connect: one handshake per profile (modern; compat adds a second), a
 * step for what each saw, and the presented chain (of the first profile
 * that completed) put in front of run->certs. Returns 1 with a chain, 0
 * without (a finding says why; *unreached when no server answered TCP), -1
 * out of memory. */
static int cert_connect(const cert_options *o, mcx_tls_profile profile, long timeout_ms,
                        cert_run *run, mcx_report *r, int *unreached)
{
    char host[256], port[8];
    mcx_tls_probe probes[2];
    const char *sni = o->sni ? o->sni : NULL;

    if (cert_split_hostport(o->connect, host, sizeof host, port, sizeof port) != 0)
        return -1; /* validated by the caller */
    if (!sni && !cert_is_address(host))
        sni = host;
    int chosen = mcx_tls_probe_profiles(host, port, sni, NULL, profile, timeout_ms, r, 0, probes);
    int rc = 0;
    if (chosen < 0) {
        const mcx_tls_probe *p = mcx_tls_probe_failure(probes);
        cert_probe_finding(r, p, o->connect);
        *unreached = p->result == MCX_TLS_E_RESOLVE || p->result == MCX_TLS_E_CONNECT;
        goto out;
    }
    const mcx_tls_probe *got = &probes[chosen];
    (void)mcx_tls_legacy_finding(r, probes, chosen, o->connect);
    /* Presented chain first, then any --chain files. */
    for (int k = sk_X509_num(got->chain) - 1; k >= 0; k--) {
        X509 *x = sk_X509_value(got->chain, k);
        if (X509_up_ref(x) != 1 || !sk_X509_insert(run->certs, x, 0)) {
            rc = -1;
            goto out;
        }
    }
    rc = 1;
    if (sni && !cert_is_address(sni))
        mcx_cert_name_finding(r, sk_X509_value(run->certs, 0), sni, o->connect);
out:
    mcx_tls_probe_free(&probes[0]);
    mcx_tls_probe_free(&probes[1]);
    return rc;
}

/* The check that ran, as a step (so junit and tap list it even when it
 * passes): failed when it added an error-level finding. */
static void cert_check_step(mcx_report *r, const mcx_cert_input *in, size_t before)
{
    char thumb[41], domains[512] = "", ids[256] = "";
    size_t errors = 0, used = 0, idlen = 0;
    for (size_t i = before; i < r->nfindings; i++) {
        if (r->findings[i].level != MCX_LEVEL_ERROR || idlen >= sizeof ids)
            continue;
        int n = snprintf(ids + idlen, sizeof ids - idlen, "%s%s", errors++ ? ", " : "errors: ",
                         r->findings[i].id);
        idlen += n > 0 ? (size_t)n : 0;
    }
    if (mcx_cert_thumbprint(in->leaf, thumb) != 0)
        snprintf(thumb, sizeof thumb, "%s", "<thumbprint>");
    for (size_t i = 0; i < in->nsip_domains && used < sizeof domains; i++) {
        int n = snprintf(domains + used, sizeof domains - used, "%s%s", i ? ", " : "",
                         in->sip_domains[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    mcx_report_step(r, 0, errors ? MCX_STEP_FAIL : MCX_STEP_OK, 0, errors ? ids : NULL,
                    "certificate %s checked as %s%s%s for SIP domain(s) %s: %zu finding(s)",
                    thumb, mcx_cert_role_name(in->role), in->pool ? ", pool " : "",
                    in->pool ? in->pool->id : "", domains, r->nfindings - before);
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
    mcx_tls_profile profile = MCX_TLS_PROFILE_MODERN;
    long timeout_ms = 10000;
    if (o.connect) {
        char host[256], port[8];
        char *end = NULL;
        if (cert_split_hostport(o.connect, host, sizeof host, port, sizeof port) != 0) {
            fprintf(stderr, "mcxcheck cert: --connect '%s': expected HOST:PORT\n", o.connect);
            return MCX_EXIT_USAGE;
        }
        profile = o.tls.profile;
        if (o.timeout) {
            timeout_ms = strtol(o.timeout, &end, 10);
            if (!*o.timeout || *end || timeout_ms < 1 || timeout_ms > 600000) {
                fprintf(stderr, "mcxcheck cert: --timeout '%s': expected 1..600000 ms\n",
                        o.timeout);
                return MCX_EXIT_USAGE;
            }
        }
        if (o.sni && !cert_valid_domain(o.sni)) {
            fprintf(stderr, "mcxcheck cert: --sni '%s': not a DNS name\n", o.sni);
            return MCX_EXIT_USAGE;
        }
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
    const char *subject = o.file ? o.file : o.connect;
    mcx_report *r = mcx_report_new("mcxcheck", "cert", subject);
    if (!r) {
        cert_run_free(&run);
        return MCX_EXIT_INTERNAL;
    }
    r->timings = o.common.timings;
    int check_rc = 0, unreached = 0, have_chain = 1;
    if (o.connect) {
        have_chain = cert_connect(&o, profile, timeout_ms, &run, r, &unreached);
        if (have_chain > 0) {
            /* Rebuild the borrowed chain view: presented intermediates first. */
            sk_X509_zero(run.chain);
            for (int i = 1; i < sk_X509_num(run.certs); i++)
                if (!sk_X509_push(run.chain, sk_X509_value(run.certs, i)))
                    have_chain = -1;
        }
        if (have_chain < 0)
            check_rc = -1;
    }
    if (have_chain > 0) {
        in.leaf = sk_X509_value(run.certs, 0);
        in.chain = run.chain;
        in.trust = run.trust;
        in.key = run.key;
        in.topology = run.topology;
        in.subject = subject;
        in.issuing_ca = o.tls.issuing_ca;
        size_t before = r->nfindings;
        check_rc = mcx_cert_check(&in, r);
        cert_check_step(r, &in, before);
    }
    rc = mcx_cli_emit(&o.common, r);
    mcx_report_free(r);
    cert_run_free(&run);
    if (check_rc != 0)
        return MCX_EXIT_INTERNAL;
    return unreached && rc == MCX_EXIT_FINDINGS ? MCX_EXIT_UNTESTED : rc;
}
