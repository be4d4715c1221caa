/**
 * The BGP finite state machine (RFC 4271 §8): sealed states, events in, actions out, time passed in as
 * {@code nowNanos}. {@link dev.viaduct.bgp.fsm.OpenNegotiation} checks a received OPEN and computes what the
 * session negotiated. {@link dev.viaduct.bgp.fsm.CollisionResolver} decides between a peer's two connections
 * (RFC 4271 §6.8 collisions, RFC 4724 §4.2 restarts) from the two FSMs' states. No sockets, no clock, no threads:
 * the speaker's peer session drives them and carries out their decisions.
 */
package dev.viaduct.bgp.fsm;
