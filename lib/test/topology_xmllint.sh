#!/bin/sh
# topology_xmllint.sh -- the shipped schema (lib/topology.xsd) accepts the
# default deployment and every good test topology, and rejects bad files
# whose fault is structural, when checked by an independent validator
# (xmllint). Owns only this cross-check; the loader's own behaviour is
# tested in lib/test/test_topology.c. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-.}
cd "$top" || exit 1
if ! command -v xmllint >/dev/null 2>&1; then
    echo "skip: xmllint not installed (apt-get install libxml2-utils)"
    exit 77
fi
data=lib/test/data/topology
fail=0
if ! xmllint --noout --nonet --schema lib/topology.xsd lib/default_topology.xml \
    "$data"/good*.xml; then
    echo "FAIL: a good topology does not validate against lib/topology.xsd"
    fail=1
fi
# Schema faults: each must be rejected by xmllint too.
for f in bad_root bad_namespace bad_missing_external_web bad_port_range \
    bad_exposed_web_url bad_session_uint32 bad_sip_uri bad_endpoint bad_element_order \
    bad_not_well_formed bad_truncated; do
    if xmllint --noout --nonet --schema lib/topology.xsd "$data/$f.xml" >/dev/null 2>&1; then
        echo "FAIL: $data/$f.xml validates but must be rejected"
        fail=1
    fi
done
# Cross-field faults are beyond the schema: xmllint accepts them, the loader
# must not (test_topology). This guards against moving a rule by accident.
for f in bad_web_fqdn_equal bad_duplicate_pool bad_session_order; do
    if ! xmllint --noout --nonet --schema lib/topology.xsd "$data/$f.xml" >/dev/null 2>&1; then
        echo "FAIL: $data/$f.xml is schema-valid by design (its fault is a TP- rule)"
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "ok: xmllint agrees with lib/topology.xsd"
exit "$fail"
