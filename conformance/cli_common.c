/*
 * cli_common.c -- the options every mcxcheck subcommand shares and writing
 * the final report.
 *
 * Owns: parsing --format, --output, --fail-on, --color, --timings, --now
 * and --seed (both "--opt VALUE" and "--opt=VALUE"), validating their
 * values (bad value: a message naming the option and the value, exit 2 by
 * the caller), RFC 3339 parsing for --now, and mcx_cli_emit: rendering the
 * report to stdout or atomically (temp file + rename) to --output; the
 * TLS options shared by cert, deployment and discover (--tls-profile,
 * --issuing-ca: mcx_cli_tls_option).
 * Does not own: subcommand-specific options nor the report formats
 * (lib/report*.c). stdout carries only the report; diagnostics go to stderr.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

void mcx_cli_common_init(mcx_cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->format = MCX_FORMAT_TEXT;
    c->output = NULL;
    c->fail_on = MCX_LEVEL_ERROR;
    c->color = -1;
    c->timings = 0;
    c->now = NULL;
    c->seed = 0;
    c->has_seed = 0;
}

/* ---- RFC 3339 ----------------------------------------------------------- */

/* Parse exactly `n` decimal digits at *p. */
static int cli_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        char ch = (*p)[k];
        if (ch < '0' || ch > '9')
            return -1;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int cli_expect(const char **p, char a, char b)
{
    if (**p != a && **p != b)
        return -1;
    (*p)++;
    return 0;
}

static int cli_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static long long cli_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int mcx_cli_parse_rfc3339(const char *s, time_t *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, sign = 0;
    const char *p = s;
    if (!s)
        return -1;
    if (cli_digits(&p, 4, &year) || cli_expect(&p, '-', '-') || cli_digits(&p, 2, &mon) ||
        cli_expect(&p, '-', '-') || cli_digits(&p, 2, &day) || cli_expect(&p, 'T', 't') ||
        cli_digits(&p, 2, &hour) || cli_expect(&p, ':', ':') || cli_digits(&p, 2, &min) ||
        cli_expect(&p, ':', ':') || cli_digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (cli_digits(&p, 2, &off_h) || cli_expect(&p, ':', ':') || cli_digits(&p, 2, &off_m))
            return -1;
        if (off_h > 23 || off_m > 59)
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (mon < 1 || mon > 12 || day < 1)
        return -1;
    int dim = mdays[mon - 1] + (mon == 2 && cli_is_leap(year));
    if (day > dim || hour > 23 || min > 59 || sec > 60)
        return -1;
    long long t = cli_days_from_civil(year, mon, day) * 86400LL + hour * 3600LL + min * 60LL + sec;
    t -= sign * (off_h * 3600LL + off_m * 60LL);
    *out = (time_t)t;
    return 0;
}

int mcx_cli_common_now(const mcx_cli_common *c, time_t *out)
{
    if (c->now)
        return mcx_cli_parse_rfc3339(c->now, out);
    *out = time(NULL);
    return 0;
}

/* ---- option parsing ----------------------------------------------------- */

/* If argv[*i] is `name` or `name=VALUE`, set *value (advancing *i past a
 * separate value) and return 1; 0 if it is another option; -1 if the value
 * is missing. */
int mcx_cli_option(const char *command, int argc, char **argv, int *i, const char *name,
                   const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "mcxcheck%s%s: %s: missing value\n", command ? " " : "",
                command ? command : "", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int mcx_cli_tls_option(const char *command, mcx_cli_tls *t, int with_issuing_ca, int argc,
                       char **argv, int *i)
{
    const char *v = NULL;
    int m = mcx_cli_option(command, argc, argv, i, "--tls-profile", &v);
    if (m > 0) {
        if (mcx_tls_profile_parse(v, &t->profile) != 0) {
            fprintf(stderr, "mcxcheck %s: --tls-profile '%s': expected modern or compat\n",
                    command, v);
            return -1;
        }
        t->profile_given = 1;
        return 1;
    }
    if (m == 0 && with_issuing_ca &&
        (m = mcx_cli_option(command, argc, argv, i, "--issuing-ca", &v)) > 0) {
        if (!*v) {
            fprintf(stderr, "mcxcheck %s: --issuing-ca: empty value\n", command);
            return -1;
        }
        t->issuing_ca = v;
    }
    return m;
}

void mcx_cli_tls_usage(FILE *out, int with_issuing_ca)
{
    fputs("  --tls-profile P        modern (TLS 1.2-1.3, default) or compat (also TLS\n"
          "                         1.0-1.3, every cipher; what each profile saw is\n"
          "                         reported)\n",
          out);
    if (with_issuing_ca)
        fputs("  --issuing-ca NAME      -Ca of the Request-CsCertificate fixes (e.g.\n"
              "                         dc01.contoso.com\\contoso-CA; default <ca>)\n",
              out);
}

const char *mcx_cli_value(const char *command, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "mcxcheck %s: %s: missing value\n", command, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int cli_bad(const char *option, const char *value, const char *expected)
{
    fprintf(stderr, "mcxcheck: %s: invalid value '%s': expected %s\n", option, value, expected);
    return -1;
}

int mcx_cli_common_parse(mcx_cli_common *c, int argc, char **argv, int *i)
{
    const char *v = NULL;
    int m;

    if (*i < 0 || *i >= argc || !argv[*i])
        return 0;
    if (strcmp(argv[*i], "--timings") == 0) {
        c->timings = 1;
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--format", &v)) != 0) {
        if (m < 0)
            return -1;
        if (mcx_format_parse(v, &c->format) != 0)
            return cli_bad("--format", v, "text, json, jsonl, junit or tap");
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--output", &v)) != 0) {
        if (m < 0)
            return -1;
        if (*v == '\0')
            return cli_bad("--output", v, "a file name");
        c->output = v;
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--fail-on", &v)) != 0) {
        if (m < 0)
            return -1;
        if (mcx_level_parse(v, &c->fail_on) != 0)
            return cli_bad("--fail-on", v, "error, warning, notice or info");
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--color", &v)) != 0) {
        if (m < 0)
            return -1;
        if (strcmp(v, "auto") == 0)
            c->color = -1;
        else if (strcmp(v, "always") == 0)
            c->color = 1;
        else if (strcmp(v, "never") == 0)
            c->color = 0;
        else
            return cli_bad("--color", v, "auto, always or never");
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--now", &v)) != 0) {
        time_t t;
        if (m < 0)
            return -1;
        if (mcx_cli_parse_rfc3339(v, &t) != 0)
            return cli_bad("--now", v, "an RFC 3339 date-time such as 2026-01-01T00:00:00Z");
        c->now = v;
        return 1;
    }
    if ((m = mcx_cli_option(NULL, argc, argv, i, "--seed", &v)) != 0) {
        char *end = NULL;
        if (m < 0)
            return -1;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end != '\0' || errno == ERANGE)
            return cli_bad("--seed", v, "a non-negative decimal integer below 2^64");
        c->seed = n;
        c->has_seed = 1;
        return 1;
    }
    return 0;
}

/* ---- emitting ----------------------------------------------------------- */

/* Render into an --output that exists and is not a regular file (a
 * character device such as /dev/null, a FIFO, a terminal): written in
 * place, since renaming a temporary file over it would replace the device. */
static int cli_write_special(const mcx_cli_common *c, const mcx_report *r, int color)
{
    FILE *f = fopen(c->output, "w");
    if (!f) {
        fprintf(stderr, "mcxcheck: --output %s: %s\n", c->output, strerror(errno));
        return -1;
    }
    errno = 0;
    int failed = mcx_report_write(r, c->format, color, f) != 0;
    int saved = errno;
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed)
        fprintf(stderr, "mcxcheck: --output %s: cannot write: %s\n", c->output,
                saved ? strerror(saved) : "write error");
    return failed ? -1 : 0;
}

/* Render into `path` atomically: a temporary file beside it, then rename
 * (a path that exists and is not a regular file: cli_write_special). */
static int cli_write_file(const mcx_cli_common *c, const mcx_report *r, int color)
{
    struct stat st;
    if (stat(c->output, &st) == 0 && !S_ISREG(st.st_mode))
        return cli_write_special(c, r, color);
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.XXXXXX", c->output) < 0) {
        fprintf(stderr, "mcxcheck: --output %s: out of memory\n", c->output);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "mcxcheck: --output %s: cannot create %s: %s\n", c->output, tmp,
                strerror(errno));
        free(tmp);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        fprintf(stderr, "mcxcheck: --output %s: %s\n", c->output, strerror(saved));
        free(tmp);
        return -1;
    }
    errno = 0;
    int failed = fchmod(fd, 0644) != 0;
    if (!failed)
        failed = mcx_report_write(r, c->format, color, f) != 0;
    if (!failed)
        failed = fsync(fd) != 0;
    int saved = errno;
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(tmp, c->output) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(tmp);
        fprintf(stderr, "mcxcheck: --output %s: cannot write: %s\n", c->output,
                saved ? strerror(saved) : "write error");
    }
    free(tmp);
    return failed ? -1 : 0;
}

int mcx_cli_emit(const mcx_cli_common *c, const mcx_report *r)
{
    /* The report's timings flag follows --timings; render a shallow copy so
     * the caller's report stays untouched. */
    mcx_report view = *r;
    view.timings = c->timings;

    int color = c->color;
    if (color < 0)
        color = !c->output && isatty(STDOUT_FILENO);
    if (c->format != MCX_FORMAT_TEXT)
        color = 0;

    if (c->output) {
        if (cli_write_file(c, &view, color) != 0)
            return MCX_EXIT_USAGE;
    } else {
        errno = 0;
        if (mcx_report_write(&view, c->format, color, stdout) != 0) {
            fprintf(stderr, "mcxcheck: cannot write the report to stdout: %s\n",
                    errno ? strerror(errno) : "write error");
            return MCX_EXIT_USAGE;
        }
    }
    return mcx_report_exit_code(r, c->fail_on);
}
