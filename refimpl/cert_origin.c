/*
 * cert_origin.c -- the topology element a certificate or key path came
 * from, as file:line (see cert_origin.h).
 *
 * Owns: matching a failed path against the pools' certificate and key
 * files and looking the element's line up with libxml2. Does not own:
 * loading certificates (server_listen.c) nor the topology model.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cert_origin.h"

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The source line of <pool id=POOL><ELEMENT> in the topology file, or 0. */
static long origin_line(const char *source, const char *pool, const char *element)
{
    long line = 0;
    xmlDocPtr doc = xmlReadFile(source, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                  XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr p = root ? root->children : NULL; p && !line; p = p->next) {
        if (!is_element(p, "pool"))
            continue;
        xmlChar *id = xmlGetProp(p, (const xmlChar *)"id");
        int match = id && strcmp((const char *)id, pool) == 0;
        xmlFree(id);
        for (xmlNodePtr c = match ? p->children : NULL; c && !line; c = c->next)
            if (is_element(c, element))
                line = xmlGetLineNo(c);
    }
    xmlFreeDoc(doc);
    return line > 0 ? line : 0;
}

static int starts_with_path(const char *err, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n && strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ';
}

void mcxd_cert_origin(const mcx_topology *t, const char *err, char *out, size_t outlen)
{
    static const char *const elements[2] = {"internalWeb", "externalWeb"};
    for (size_t i = 0; t && t->source && i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        const char *files[2][2] = {{p->internal_cert_file, p->internal_key_file},
                                   {p->external_cert_file, p->external_key_file}};
        for (int side = 0; side < 2; side++) {
            for (int k = 0; k < 2; k++) {
                if (!starts_with_path(err, files[side][k]))
                    continue;
                snprintf(out, outlen, "%s:%ld: <%s %s=> of pool %s: %s", t->source,
                         origin_line(t->source, p->id, elements[side]), elements[side],
                         k ? "key" : "certificate", p->id, err);
                return;
            }
        }
    }
    snprintf(out, outlen, "%s", err);
}
