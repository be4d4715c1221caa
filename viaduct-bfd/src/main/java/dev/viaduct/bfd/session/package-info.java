/**
 * The BFD session state machine (RFC 5880 §6.2, §6.8): one {@link dev.viaduct.bfd.session.BfdSession} per
 * peer, driven by {@link dev.viaduct.bfd.session.SessionEvent}s that carry no clock (the caller passes
 * {@code nowNanos}) and answering with {@link dev.viaduct.bfd.session.SessionAction}s (transmit this packet,
 * the state changed, this packet was discarded, call me again at this deadline). No sockets, threads or
 * clocks, so every rule (timer negotiation, jitter, detection, Poll/Final, authentication sequence numbers,
 * administrative down) is tested with plain calls. The transport in {@code dev.viaduct.bfd} decodes packets,
 * demultiplexes them to sessions and performs the actions.
 */
package dev.viaduct.bfd.session;
