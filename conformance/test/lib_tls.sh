# lib_tls.sh -- shell helpers for the live TLS tests (sourced by
# tls_live.sh and deployment_live.sh; not a test itself).
#
# Owns: start_staller ADDR PORT -- a TCP server (python3) that accepts
# every connection and never answers, for 60 s: a TLS handshake to it
# stalls. Its pid is appended to the caller's $pids (killed by the
# caller's cleanup). Needs python3 (the caller checks).
start_staller() {
    python3 - "$1" "$2" <<'PYEOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
held = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        held.append(s.accept()[0])
    except OSError:
        pass
PYEOF
    pids="$pids $!"
}
