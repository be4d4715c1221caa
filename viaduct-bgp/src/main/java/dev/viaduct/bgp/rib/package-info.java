/**
 * Routing information bases: per-peer Adj-RIB-In and Adj-RIB-Out, the Loc-RIB and its decision process
 * (RFC 4271 §9), route reflection (RFC 4456), policy, and graceful-restart route retention (RFC 4724).
 * Data flow: a session converts each decoded UPDATE into an {@link dev.viaduct.bgp.rib.InboundUpdate} on its
 * own thread; the speaker's single RIB thread applies it to a {@link dev.viaduct.bgp.rib.Rib}, and at the end
 * of each batch {@link dev.viaduct.bgp.rib.Rib#flush()} sends packed UPDATEs to peers and
 * {@link dev.viaduct.bgp.rib.BestPathChange}s to subscribers. Peers that are sent routes alike (an update group,
 * e.g. a reflector's clients) share one Adj-RIB-Out and keep apart only where theirs differs. Everything here is
 * owned by that one thread.
 */
package dev.viaduct.bgp.rib;
