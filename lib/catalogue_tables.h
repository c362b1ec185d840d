/*
 * catalogue_tables.h -- the per-prefix check tables that lib/catalogue.c
 * merges. Each table lives in the file of the module that raises those
 * findings' IDs (catalogue_<prefix>.c). Internal to lib/.
 */
#ifndef MCX_CATALOGUE_TABLES_H
#define MCX_CATALOGUE_TABLES_H
#include "mcx/catalogue.h"
extern const mcx_check mcx_catalogue_tp[]; /* TP- topology */
extern const size_t mcx_catalogue_tp_count;
extern const mcx_check mcx_catalogue_ad[]; /* AD- documents and HTTP */
extern const size_t mcx_catalogue_ad_count;
extern const mcx_check mcx_catalogue_ds[]; /* DS-, AU-, NET- client trace */
extern const size_t mcx_catalogue_ds_count;
extern const mcx_check mcx_catalogue_vc[]; /* VC- vector runner */
extern const size_t mcx_catalogue_vc_count;
extern const mcx_check mcx_catalogue_dns[]; /* DNS- DNS records and zones */
extern const size_t mcx_catalogue_dns_count;
extern const mcx_check mcx_catalogue_ct[]; /* CT- certificates and TLS */
extern const size_t mcx_catalogue_ct_count;
extern const mcx_check mcx_catalogue_pc[]; /* PC- packet captures */
extern const size_t mcx_catalogue_pc_count;
extern const mcx_check mcx_catalogue_dp[]; /* DP- whole-deployment checks */
extern const size_t mcx_catalogue_dp_count;
extern const mcx_check mcx_catalogue_mb[]; /* MB- Mobility Service transactions */
extern const size_t mcx_catalogue_mb_count;
extern const mcx_check mcx_catalogue_cn[]; /* CN- counters and the seed's monitoring rules */
extern const size_t mcx_catalogue_cn_count;
#endif
