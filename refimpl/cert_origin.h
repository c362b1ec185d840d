/*
 * cert_origin.h -- where a certificate or key path mcxd failed to load came
 * from, for its error messages: the topology element that named it
 * (<internalWeb|externalWeb certificate= key=> of a pool, as file:line).
 *
 * Owns: finding the element and its source line (libxml2 reads the topology
 * file again; the model keeps no lines). Does not own: loading certificates
 * (server_listen.c) nor the topology model (lib/topology_*.c).
 */
#ifndef MCXD_CERT_ORIGIN_H
#define MCXD_CERT_ORIGIN_H

#include <stddef.h>
#include "mcx/topology.h"

/* `err` is a message that begins with a file path and ": " (what
 * server_listen.c writes when a certificate or key does not load). When
 * that path is a certificate or key of a pool of `t`, write into `out`
 * "SOURCE:LINE: <internalWeb certificate=> of pool ID: " followed by `err`
 * (LINE 0 when it cannot be found); else copy `err`. */
void mcxd_cert_origin(const mcx_topology *t, const char *err, char *out, size_t outlen);

#endif
