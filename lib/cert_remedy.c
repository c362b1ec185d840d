/*
 * cert_remedy.c -- the concrete fix for a certificate that misses names.
 *
 * Owns: the text of the Request-CsCertificate / Set-CsCertificate commands
 * for Director and Front End pool certificates (seed: "Modifying
 * Certificates for Mobility": -AllSipDomain only when there is a single SIP
 * domain, else -DomainName with the lyncdiscover[internal] prefix on every
 * SIP domain; Set-CsCertificate once per use), and the SAN list to request
 * from the public CA for the reverse proxy ("Certificate Requirements"):
 * the names to add and the existing SANs worth keeping (a wildcard no
 * client matches -- partial label, *.<tld> -- is dropped, and said so).
 * Does not own: deciding what is missing (cert_check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/cert_check.h"

const char *mcx_cert_use_name(mcx_cert_use use)
{
    switch (use) {
    case MCX_CERT_USE_DEFAULT: return "Default";
    case MCX_CERT_USE_WEB_INTERNAL: return "WebServicesInternal";
    case MCX_CERT_USE_WEB_EXTERNAL: return "WebServicesExternal";
    }
    return "Default";
}

/* Finish an open_memstream buffer (*buf is only valid after fclose); NULL
 * if writing failed. */
static char *remedy_close(FILE *f, char **buf)
{
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(*buf);
        return NULL;
    }
    return *buf;
}

char *mcx_cert_remedy_lync(mcx_cert_use use, const char *issuing_ca,
                           const char *const *sip_domains, size_t nsip_domains,
                           const char *thumbprint)
{
    char *buf = NULL;
    size_t len = 0;
    const char *type = mcx_cert_use_name(use);
    const char *prefix = use == MCX_CERT_USE_WEB_INTERNAL   ? "lyncdiscoverinternal"
                         : use == MCX_CERT_USE_WEB_EXTERNAL ? "lyncdiscover"
                                                            : NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "Request-CsCertificate -New -Type %s -Ca %s", type,
            issuing_ca && issuing_ca[0] ? issuing_ca : "<ca>");
    if (prefix && nsip_domains == 1) {
        fputs(" -AllSipDomain", f);
    } else if (prefix && nsip_domains > 1) {
        fputs(" -DomainName \"", f);
        for (size_t i = 0; i < nsip_domains; i++) {
            size_t n = strlen(sip_domains[i]);
            if (n > 1 && sip_domains[i][n - 1] == '.')
                n--; /* the SAN is written without the root dot */
            fprintf(f, "%s%s.%.*s", i ? ", " : "", prefix, (int)n, sip_domains[i]);
        }
        fputc('"', f);
    }
    fprintf(f,
            "\nthen assign the new certificate: Set-CsCertificate -Type %s -Thumbprint "
            "<thumbprint of the new certificate>\n(the certificate checked has thumbprint %s; "
            "if Get-CsCertificate shows it for several uses, run Set-CsCertificate once per "
            "use, or once with -Type Default,WebServicesInternal,WebServicesExternal when one "
            "certificate serves them all)",
            type, thumbprint && thumbprint[0] ? thumbprint : "<thumbprint>");
    return remedy_close(f, &buf);
}

static int remedy_seen(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* Would a client ever match this existing SAN? No for a wildcard that is
 * not one whole left-most label above at least two labels (lync*.contoso.com,
 * *.com, a.*.contoso.com): the name rules of cert_check.c, so the new
 * request does not copy it. */
static int remedy_usable_san(const char *san)
{
    const char *star = strchr(san, '*');
    if (!star)
        return san[0] != '\0';
    if (star != san || san[1] != '.' || strchr(san + 1, '*'))
        return 0;
    const char *parent = san + 2;
    size_t n = strlen(parent);
    if (n > 0 && parent[n - 1] == '.')
        n--;
    const char *dot = memchr(parent, '.', n);
    return dot != NULL && dot != parent && dot + 1 < parent + n;
}

char *mcx_cert_remedy_reverse_proxy(const char *const *missing, size_t nmissing,
                                    const char *const *present, size_t npresent)
{
    char *buf = NULL;
    size_t len = 0;
    size_t written = 0, dropped = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs("Request a new certificate from the public CA with subjectAltName: ", f);
    for (size_t i = 0; i < npresent; i++) {
        if (remedy_seen(present, i, present[i]) || !remedy_usable_san(present[i]))
            continue;
        fprintf(f, "%sDNS:%s", written++ ? ", " : "", present[i]);
    }
    for (size_t i = 0; i < nmissing; i++) {
        if (remedy_seen(present, npresent, missing[i]) || remedy_seen(missing, i, missing[i]))
            continue;
        fprintf(f, "%sDNS:%s", written++ ? ", " : "", missing[i]);
    }
    fputs("\n(adds: ", f);
    for (size_t i = 0; i < nmissing; i++)
        fprintf(f, "%s%s", i ? ", " : "", missing[i]);
    for (size_t i = 0; i < npresent; i++) {
        if (remedy_seen(present, i, present[i]) || remedy_usable_san(present[i]))
            continue;
        fprintf(f, "%s%s", dropped++ ? ", " : "; drops the wildcard(s) no client matches: ",
                present[i]);
    }
    fputs(") and assign it to the reverse proxy's SSL listener; publish "
          "lyncdiscover.<sipdomain> with a web publishing rule.",
          f);
    return remedy_close(f, &buf);
}
