/*
 * embedded.h -- data files compiled into the binaries by ci/embed.sh:
 * every lib/<name>.xsd and lib/<name>.xml becomes mcx_embed_<name>.
 * Owns nothing but these declarations; the files themselves are the source.
 */
#ifndef MCX_EMBEDDED_H
#define MCX_EMBEDDED_H
#include <stddef.h>
extern const char mcx_embed_topology[];       /* lib/topology.xsd */
extern const size_t mcx_embed_topology_len;
extern const char mcx_embed_default_topology[]; /* lib/default_topology.xml */
extern const size_t mcx_embed_default_topology_len;
extern const char mcx_embed_vector[];         /* lib/vector.xsd */
extern const size_t mcx_embed_vector_len;
extern const char mcx_embed_statements[];     /* lib/statements.xsd */
extern const size_t mcx_embed_statements_len;
extern const char mcx_embed_dns_scenario[];   /* lib/dns_scenario.xsd */
extern const size_t mcx_embed_dns_scenario_len;
#endif
