/*
 * catalogue_pc.c -- catalogue entries for packet captures (`mcxcheck pcap
 * verify` and `pcap replay`): capture decoding, TCP reassembly, HTTP framing
 * and the mobility rules applied to what a capture shows.
 * Owns: the PC- rows of the check catalogue. Does not own: the code that
 * raises them (lib/pcap_read.c, lib/tcp_reassembly.c, lib/http_stream.c,
 * lib/dns_decode.c, lib/pcap_rules.c, conformance/cmd_pcap.c).
 */
#include "catalogue_tables.h"

#define PC_CAP "libpcap capture format (pcap/pcapng)"
#define PC_TCP "RFC 9293 (TCP)"
#define PC_HTTP "RFC 9112 (HTTP/1.1 message framing)"
#define PC_WEB "Technical Requirements for Mobility; Website Requirements"
#define PC_DNS "DNS Requirements"

const mcx_check mcx_catalogue_pc[] = {
    {"PC-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the capture that caused it.",
     "An internal error in mcxcheck pcap; never a finding about the capture."},
    {"PC-001", MCX_LEVEL_ERROR, "Capture file unreadable or truncated", PC_CAP,
     "Stop the capture cleanly (tcpdump -w flushes on SIGINT/SIGTERM; use -U) and copy the "
     "whole file.",
     "The file could not be opened as pcap/pcapng, or ended in the middle of a record. "
     "Packets before the damage are still analysed."},
    {"PC-002", MCX_LEVEL_WARNING, "Packet cut by the snapshot length", PC_CAP,
     "Capture with the full snapshot length (tcpdump -s 0).",
     "A packet's captured length is shorter than its length on the wire, so its payload is "
     "incomplete; the missing bytes become a TCP gap."},
    {"PC-003", MCX_LEVEL_WARNING, "Malformed packet", PC_CAP,
     "Check the capture tool and the link type; re-capture.",
     "A link, IP, UDP or TCP header is shorter than its minimum or claims a length beyond "
     "the captured bytes (bogus lengths). The packet is skipped."},
    {"PC-004", MCX_LEVEL_ERROR, "Unsupported link type", PC_CAP,
     "Capture on an Ethernet, Linux cooked (any), loopback or raw-IP interface.",
     "Supported link types: EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW (IPv4/IPv6)."},
    {"PC-010", MCX_LEVEL_NOTICE, "TCP connection without a captured handshake", PC_TCP,
     "Start the capture before the client connects.",
     "Data was seen on a connection whose SYN was not captured; reassembly starts at the "
     "first data byte seen, so earlier bytes are unknown."},
    {"PC-011", MCX_LEVEL_WARNING, "TCP gap: bytes missing from the capture", PC_TCP,
     "Capture on the host itself or on a tap without drops (tcpdump reports 'dropped by "
     "kernel'); use -B to enlarge the buffer.",
     "Sequence space that was never captured. Reassembly skips it (never silently: this "
     "finding counts the bytes) and HTTP parsing resynchronises at the next message."},
    {"PC-012", MCX_LEVEL_ERROR, "TCP overlap with different data", PC_TCP,
     "Investigate the sender or a middlebox: retransmitted bytes must equal the original.",
     "A retransmitted or overlapping segment carries bytes that differ from those already "
     "seen for the same sequence numbers (the first copy is kept)."},
    {"PC-013", MCX_LEVEL_WARNING, "Reassembly memory bound reached", "mcxlab",
     "Split the capture (editcap -c) or filter it to the Autodiscover flows.",
     "Out-of-order data beyond the per-flow or total buffer bound, or more concurrent flows "
     "than the table bound: the excess is treated as a gap or the flow is ignored. "
     "Bounds: see include/mcx/tcp_reassembly.h."},
    {"PC-020", MCX_LEVEL_ERROR, "HTTP message could not be parsed", PC_HTTP,
     "Fix the sender's HTTP framing.",
     "libhttp-parser rejected a request or response; bytes up to the next request line "
     "(or status line) are skipped."},
    {"PC-021", MCX_LEVEL_ERROR, "Conflicting Content-Length / Transfer-Encoding", PC_HTTP,
     "Send exactly one Content-Length, or Transfer-Encoding: chunked without it.",
     "A message has two different Content-Length values or both Content-Length and "
     "chunked Transfer-Encoding: the request-smuggling shape."},
    {"PC-022", MCX_LEVEL_WARNING, "HTTP message incomplete at the end of the stream", PC_HTTP,
     "Capture until the exchange ends; check a Content-Length larger than the body.",
     "A request or response started but its body (Content-Length, chunked) never completed "
     "before the connection or the capture ended."},
    {"PC-023", MCX_LEVEL_WARNING, "HTTP response without a request", PC_HTTP,
     "Capture the whole connection (the request may have been lost in a gap).",
     "A response on a connection with no outstanding request."},
    {"PC-030", MCX_LEVEL_ERROR, "lyncdiscover tried before lyncdiscoverinternal",
     "Technical Requirements for Mobility; protocol.md 4 (client algorithm)",
     "Fix the client: it must try lyncdiscoverinternal.<domain> first and fall back to "
     "lyncdiscover.<domain>.",
     "Per client address and SIP domain, the first DNS query or HTTP request for the "
     "external Autodiscover name came before any for the internal one."},
    {"PC-031", MCX_LEVEL_WARNING, "Autodiscover request without an Autodiscover Accept",
     "protocol.md 2.3 (request headers)",
     "Send Accept: application/vnd.microsoft.rtc.autodiscover+xml;v=1 (or +json;v=1).",
     "An Autodiscover request has no Accept header naming an Autodiscover media type; the "
     "server then picks the representation."},
    {"PC-032", MCX_LEVEL_INFO, "Listener of a request not known from the topology", PC_WEB,
     "Pass --topology, or --port PORT=internal-http|external-http|... for non-standard "
     "ports.",
     "The server port is none of the pools' web ports, so AccessLocation was not compared "
     "with the site that received the request."},
    {"PC-033", MCX_LEVEL_ERROR, "HTTP first hop not answered with a body Redirect", PC_WEB,
     "Answer Root over plain HTTP with 200 and an Autodiscover document holding a single "
     "Redirect link to the HTTPS URL (not an HTTP 3xx).",
     "A plain-HTTP request to lyncdiscover[internal].<domain> got a status other than 200 "
     "or a body that is not an Autodiscover document."},
    {"PC-034", MCX_LEVEL_ERROR, "MS-WSMAN cookie rule broken", "protocol.md 7 (HLB cookies)",
     "Configure the load balancer's persistence cookie: name MS-WSMAN, no Expires/Max-Age, "
     "not HttpOnly, set on every response to a request without the cookie.",
     "Where a load balancer sets an affinity cookie, the Web services expect MS-WSMAN as a "
     "session cookie without HttpOnly, inserted in every response to a cookieless "
     "request."},
    {"PC-035", MCX_LEVEL_ERROR, "TLS SNI differs from the Autodiscover name",
     "Certificate Requirements",
     "Connect with SNI equal to the lyncdiscover[internal].<domain> name being resolved.",
     "The server_name of a ClientHello to an HTTPS Autodiscover port is neither the "
     "lyncdiscover name the client resolved before connecting nor any other name it "
     "resolved to that address."},
    {"PC-036", MCX_LEVEL_INFO, "TLS SNI not checked", "Certificate Requirements",
     "None needed.", "A ClientHello was seen but its SNI could not be extracted."},
    {"PC-040", MCX_LEVEL_WARNING, "Malformed DNS message", PC_DNS,
     "Check the resolver; re-capture.", "ldns could not decode a DNS message on port 53."},
    {"PC-041", MCX_LEVEL_NOTICE, "DNS query without a response", PC_DNS,
     "Check the resolver is reachable; capture both directions.",
     "A DNS query for an Autodiscover name got no response in the capture."},
    {"PC-042", MCX_LEVEL_ERROR, "Autodiscover DNS answer differs from the topology", PC_DNS,
     "Publish lyncdiscoverinternal.<domain> -> the Director/pool internal web VIP and "
     "lyncdiscover.<domain> -> the reverse proxy (or external web VIP).",
     "An A/AAAA answer for lyncdiscover[internal].<domain> is none of the addresses the "
     "topology allows for that name."},
    {"PC-050", MCX_LEVEL_ERROR, "Replayed response differs from the recorded one",
     "protocol.md 2 (Autodiscover exchange)",
     "Compare the implementation with the recorded deployment; the excerpts show both.",
     "pcap replay re-sent a recorded request (host names mapped); the status or the "
     "Content-Type differs, or no response came back. One finding per exchange and field, "
     "naming the exchange and its frames."},
    {"PC-051", MCX_LEVEL_ERROR, "Replayed document differs from the recorded one",
     "protocol.md 2 (Autodiscover exchange)",
     "Compare the implementation with the recorded deployment at the element named; the "
     "excerpts show both values.",
     "pcap replay compared the recorded and replayed bodies after mapping host names and "
     "hiding volatile values (dates, GUIDs, opaque tokens): an Autodiscover document field "
     "(kind, AccessLocation, a Link by token, a SipAccess entry), a JSON key or XML element "
     "of another body, or the text of a body differs. One finding per difference."},
    {"PC-052", MCX_LEVEL_ERROR, "Replayed protocol header differs from the recorded one",
     "protocol.md 2 (Autodiscover exchange)",
     "Compare the implementation's response headers with the recorded deployment.",
     "pcap replay compared Location, X-MS-WebTicketURL, WWW-Authenticate, Set-Cookie "
     "(name and attributes; the value and expiry are volatile), X-Ms-diagnostics and Allow "
     "after mapping host names; Date, Expires and framing headers are not compared."},
};

const size_t mcx_catalogue_pc_count = sizeof mcx_catalogue_pc / sizeof mcx_catalogue_pc[0];
