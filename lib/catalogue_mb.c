/*
 * catalogue_mb.c -- catalogue entries of `mcxcheck mobility`: the synthetic
 * transactions against the Mobility Service (the seed's "Verifying Your
 * Mobility Deployment": Test-CsMcxP2PIM, and more) -- application (session),
 * presence, instant messaging and the event channel, as
 * refimpl/MOBILITY.md, protocol.md 5 (Mcx) and 5.1 (UCWA) describe them.
 * Owns: the MB- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises
 * them (conformance/mobility*.c) nor the DS-, AU-, DNS- and CT- rows that
 * the discovery of each user raises through discover*.c.
 */
#include "catalogue_tables.h"

#define MB_VERIFY "Verifying Your Mobility Deployment (Test-CsMcxP2PIM)"
#define MB_UCWA "protocol.md 5.1 (UCWA)"
#define MB_EVENTS "protocol.md 5.1 (UCWA event channel); refimpl/MOBILITY.md The event channel"
#define MB_SESSIONS "Capacity Planning for Mobility; protocol.md 5 (sessions); " \
    "refimpl/MOBILITY.md Sessions"

const mcx_check mcx_catalogue_mb[] = {
    {"MB-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the command line that caused it.",
     "An internal error in mcxcheck mobility; never a finding about the target."},
    {"MB-001", MCX_LEVEL_ERROR, "Discovery gave no Mobility Service URL for the user",
     "Mobility Components; Technical Requirements for Mobility; protocol.md 5",
     "Make the user's discovery succeed (see the DS- and AU- findings) and its User document "
     "carry Internal/Mcx and External/Mcx links (install the Mobility Service on the user's "
     "Front End pool; Set-CsMcxConfiguration -ExposedWebUrl External).",
     "A phone reaches the Mobility Service only through the Mcx (or Ucwa) link of the "
     "authenticated User document; without it there is nothing to sign in to."},
    {"MB-002", MCX_LEVEL_ERROR, "No web ticket or OAuth token for the Mobility Service",
     "protocol.md 5 (the mobile client authenticates with a web ticket before Mcx sign-in); "
     MB_UCWA,
     "Enable the Web Ticket Service (or OAuth for the 2013 profile) for mobile users and run "
     "again with --auth auto, webticket or oauth; HTTP Basic is not accepted by the Mobility "
     "Service.",
     "The Mobility Service accepts a web ticket (X-MS-WebTicket) or an OAuth bearer token; "
     "discovery authenticated the user otherwise (Basic) or not at all."},
    {"MB-003", MCX_LEVEL_ERROR, "Mobility Service unreachable",
     "Technical Requirements for Mobility; Website Requirements; Reverse Proxy Requirements",
     "Publish the external web services FQDN (its /Mcx and /ucwa paths) on the reverse "
     "proxy, make the FQDN resolve in both DNS views (inside: to the reverse proxy's public "
     "IP, hair-pinned) and give it a certificate that covers the name.",
     "A request to the Mobility Service URL failed below HTTP (DNS, connect, TLS or "
     "timeout). Inside the network the Mcx URL is on the external web FQDN too."},
    {"MB-004", MCX_LEVEL_ERROR, "Mobility Service refused the user's token",
     MB_UCWA "; refimpl/MOBILITY.md Authentication",
     "Make the Mobility Service trust the Web Ticket Service / OAuth token issuer that "
     "Autodiscover hands out (same pool, same certificate for token signing) and check the "
     "user is enabled for mobility (Set-CsMobilityPolicy).",
     "Creating the application with the token obtained by discovery answered 401 or 403."},
    {"MB-005", MCX_LEVEL_ERROR, "Application (session) not created",
     MB_UCWA " applications; Mobility Components",
     "Make POST <Mcx URL>/applications answer 201 Created with a Location and the "
     "application resource (links me, people, communication, events).",
     "A phone signs in by creating an application; the answer must be 201 with the "
     "application's links, or no other request can follow."},
    {"MB-006", MCX_LEVEL_ERROR, "makeMeAvailable failed", MB_UCWA " me/makeMeAvailable",
     "Make POST me/makeMeAvailable answer 204 for a new application (409 only when repeated).",
     "Without makeMeAvailable the user is not reachable for messages and shows Offline."},
    {"MB-007", MCX_LEVEL_ERROR, "Presence subscription failed",
     MB_UCWA " people/presenceSubscriptions; Mobility Features and Capabilities",
     "Make POST people/presenceSubscriptions answer 201 with a Location for a contact's URI.",
     "Contacts' presence reaches a phone through its presence subscriptions."},
    {"MB-008", MCX_LEVEL_ERROR, "startMessaging failed",
     MB_UCWA " communication/messagingInvitations; " MB_VERIFY,
     "Make POST communication/messagingInvitations answer 201 with a Location for an "
     "available receiver.",
     "Starting an IM conversation creates a messaging invitation."},
    {"MB-009", MCX_LEVEL_ERROR, "Invitation never reached the receiver's event channel",
     MB_EVENTS "; " MB_VERIFY,
     "Deliver a messagingInvitation started event (with accept and decline links) to every "
     "available application of the receiver, completing its parked P-GET at once.",
     "After startMessaging the receiver's event channel must show the invitation; the "
     "check waited --event-wait milliseconds."},
    {"MB-010", MCX_LEVEL_ERROR, "Invitation could not be accepted or did not complete",
     MB_UCWA " messagingInvitation accept; " MB_VERIFY,
     "Make POST <invitation>/accept answer 204 and complete the sender's invitation with "
     "status Success, then connect the conversation on both sides.",
     "Accepting joins the receiver to the conversation; the sender's channel must say the "
     "invitation completed with Success."},
    {"MB-011", MCX_LEVEL_ERROR, "Conversation has no usable messaging links",
     MB_UCWA " conversation/messaging",
     "Give the conversation a messaging link whose resource, once Connected, links "
     "sendMessage and stopMessaging.",
     "To send, a client follows conversation -> messaging -> sendMessage links."},
    {"MB-012", MCX_LEVEL_ERROR, "sendMessage failed", MB_UCWA " messaging/sendMessage",
     "Make POST <messaging>/messages (text/plain; charset=UTF-8) answer 201 (or 204).",
     "Sending an instant message on a connected conversation was refused."},
    {"MB-013", MCX_LEVEL_ERROR, "Message never reached the receiver's event channel",
     MB_EVENTS "; " MB_VERIFY,
     "Deliver a message added event to every other participant's channel, completing a "
     "parked P-GET at once (real-time class).",
     "The message sent was not seen on the receiver's event channel within --event-wait; "
     "this is what Test-CsMcxP2PIM proves end to end."},
    {"MB-014", MCX_LEVEL_ERROR, "Message delivered with another text",
     MB_UCWA " message (plainMessage data: URI, RFC 2397)",
     "Carry the text unchanged as data:text/plain;charset=utf-8,<percent-encoded UTF-8> in "
     "the message's plainMessage link.",
     "The receiver's message event must hold the exact text sent, including non-ASCII "
     "characters and reserved characters such as % and &."},
    {"MB-015", MCX_LEVEL_WARNING, "stopMessaging did not end the conversation",
     MB_UCWA " messaging/stopMessaging",
     "Make POST <messaging>/terminate answer 204 and send conversation deleted (or messaging "
     "Disconnected) to every participant.",
     "Ending the IM conversation must reach the other side, or its client keeps a dead "
     "conversation open."},
    {"MB-016", MCX_LEVEL_WARNING, "Application could not be deleted",
     MB_SESSIONS, "Make DELETE <application> answer 204 (the session ends, counted as "
     "terminated by the user).",
     "On sign-out the phone deletes its application; otherwise the session lives until it "
     "expires and holds server resources."},
    {"MB-017", MCX_LEVEL_ERROR, "Presence change not seen by a subscriber",
     MB_EVENTS "; Mobility Features and Capabilities (presence)",
     "Send a people presence event (contact presence, low class) to every subscriber's "
     "channel when a user's availability changes.",
     "After one user set Busy, the other user's channel (subscribed to them) did not show "
     "the new availability within --event-wait."},
    {"MB-018", MCX_LEVEL_ERROR, "Event channel answer malformed", MB_EVENTS,
     "Answer GET events?ack=N with 200 and a JSON body holding self and next (or resync / "
     "resume) links and a sender array of events.",
     "A P-GET's answer could not be read as the UCWA events resource."},
    {"MB-019", MCX_LEVEL_ERROR, "Second P-GET did not replace the first (409 PGetReplaced)",
     MB_EVENTS, "Complete a parked P-GET with 409 {\"code\":\"Conflict\",\"subcode\":"
     "\"PGetReplaced\"} when a newer P-GET arrives for the same application.",
     "One P-GET per application: otherwise a phone that reconnected leaves a parked request "
     "behind and its events may go to the dead connection."},
    {"MB-020", MCX_LEVEL_ERROR, "Re-sent ack did not return the same batch", MB_EVENTS,
     "Keep the last batch until it is acknowledged (ack=N+1) and answer ack=N again with the "
     "same batch, byte for byte.",
     "A P-GET whose answer was lost in flight is re-sent with the same ack; the events must "
     "not be lost."},
    {"MB-021", MCX_LEVEL_ERROR, "Out-of-range ack did not answer resync", MB_EVENTS,
     "Answer an ack that is neither the next batch nor the last one sent with 200 and only a "
     "resync link.",
     "A replayed or future ack must make the client re-read its state, not reorder or drop "
     "events silently."},
    {"MB-022", MCX_LEVEL_ERROR, "Idle application did not expire with 410", MB_SESSIONS,
     "End an application that had no request and no parked P-GET for its lifetime "
     "(SessionShortExpirationInterval for always-connected devices) and answer it with 410 "
     "InactiveApplicationExpired.",
     "With the target's clock moved past the session lifetime, a request to the idle "
     "application must answer 410 InactiveApplicationExpired."},
    {"MB-023", MCX_LEVEL_INFO, "Idle expiry not tested: the target's clock cannot be moved",
     MB_SESSIONS,
     "Run the session check against mcxd started with --test-clock, or wait for the session "
     "lifetime and check the application answers 410.",
     "Expiry takes SessionShortExpirationInterval (default 3600 s); mcxcheck does not wait "
     "that long. The step is reported as not tested."},
    {"MB-024", MCX_LEVEL_ERROR, "Third participant not joined or not reached",
     MB_UCWA " conversation participants; Mobility Features and Capabilities",
     "Make POST <conversation>/participants invite the user, deliver the invitation to their "
     "channel, and after accept send every message to all participants.",
     "In a three-party IM conversation (the conference check), each message must reach both "
     "other participants."},
    {"MB-025", MCX_LEVEL_WARNING, "Error answer without a UCWA error body",
     MB_UCWA "; refimpl/MOBILITY.md Representations",
     "Answer errors with a JSON body {\"code\":...,\"subcode\":...,\"message\":...}.",
     "Clients decide what to do (re-create the application, resync, sign in again) from the "
     "code and subcode of an error."},
    {"MB-026", MCX_LEVEL_WARNING, "Mobility Service URL fails the browser liveness check",
     "protocol.md 5 (a browser GET of https://<pool>/mcx/mcxservice.svc is the documented "
     "liveness check); " MB_VERIFY,
     "Make GET <Mcx URL> (no credentials) answer 200: the Mobility Service's IIS application "
     "is installed and started on the pool and published by the reverse proxy.",
     "Before signing in, the Mcx URL itself must answer a plain GET."},
};
const size_t mcx_catalogue_mb_count = sizeof mcx_catalogue_mb / sizeof mcx_catalogue_mb[0];
