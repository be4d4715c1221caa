/**
 * The BGP finite state machine (RFC 4271 §8): sealed states, events in, actions out, time passed in as
 * {@code nowNanos}. {@link dev.viaduct.bgp.fsm.OpenNegotiation} checks a received OPEN and computes what the
 * session negotiated. No sockets, no clock, no threads: the speaker's peer session drives it.
 */
package dev.viaduct.bgp.fsm;
