/*
 * catalogue_cn.c -- catalogue entries of `mcxcheck counters`: the seed's
 * monitoring rules applied to a running Mobility Service's performance
 * counters (Monitoring Mobility; Mobility Performance Counters).
 * Owns: the CN- rows (ID, level, title, source, default remediation,
 * description). Does not own: the code that raises them (lib/counters.c,
 * conformance/cmd_counters.c).
 */
#include "catalogue_tables.h"

#define CN_MEMORY "Monitoring Mobility: Monitoring for Server Memory Capacity Limits"
#define CN_USAGE "Monitoring Mobility: Monitoring Mobility Service Usage"

const mcx_check mcx_catalogue_cn[] = {
    {"CN-001", MCX_LEVEL_ERROR, "Counters not readable", "Mobility Performance Counters",
     "Publish the Mobility Service's counters at the URL (mcxd --admin ADDR:PORT serves "
     "GET /metrics) and make it reachable from the tester.",
     "The counters URL answered something other than a counters exposition (HTTP error, or a "
     "body that is not NAME VALUE lines); the monitoring rules cannot be applied."},
    {"CN-002", MCX_LEVEL_ERROR, "Less than 1,500 MB of memory available", CN_MEMORY,
     "Add Front End servers to the pool or memory to this server (Capacity Planning for "
     "Mobility: plan for the failover case, when one server's users move to the others).",
     "With the expected number of mobility users, a Front End server needs at least 1,500 MB "
     "available; the Mobility Service's own use follows the seed's formula from the two "
     "session counters."},
    {"CN-003", MCX_LEVEL_ERROR, "Requests current at the 5,000 limit", CN_USAGE,
     "Spread the users over more Front End servers (more pool members behind the load "
     "balancer); background-enabled devices hold no request while minimised.",
     "ASP.NET Requests Current reaching 5,000 makes subsequent requests fail with 503 Service "
     "Unavailable; every parked pending GET of an always-connected phone is a current request. "
     "A warning from 80 % (4,000)."},
    {"CN-004", MCX_LEVEL_WARNING, "Initiate-session rate above the seed's peak of 12/s",
     "Mobility Performance Counters (Succeeded Initiate Session Requests/Second)",
     "Expect CPU pressure on this server: spread sign-ins over more Front End servers, or "
     "stagger the event that makes many users sign in at once.",
     "Initiating a session (a sign-in after a long time signed out) costs the most CPU; the "
     "seed names 12 per second as the peak supported load."},
    {"CN-005", MCX_LEVEL_WARNING, "A counter the monitoring rules need is missing",
     "Mobility Performance Counters",
     "Expose the counter under the name mcxd(8) COUNTERS derives from the seed's name.",
     "Without it the rule that reads it is not applied (the step says which)."},
};
const size_t mcx_catalogue_cn_count = sizeof(mcx_catalogue_cn) / sizeof(mcx_catalogue_cn[0]);
