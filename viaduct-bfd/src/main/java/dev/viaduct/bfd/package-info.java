/**
 * BFD for Viaduct nodes: the public {@link dev.viaduct.bfd.BfdManager} (one per node) and its value types,
 * over a single-hop UDP transport (RFC 5881) written with FFM.
 *
 * <p>Data flow: {@link dev.viaduct.bfd.BfdManager#addSession} hands a {@link dev.viaduct.bfd.SessionConfig}
 * to the manager's event loop thread, which opens a sending socket (source port 49152-65535, TTL 255) and, per
 * local address, a receive socket on port 3784 that reports each datagram's TTL. Received datagrams are checked
 * for TTL 255 (GTSM, RFC 5881 §5), decoded by {@code dev.viaduct.bfd.packet}, demultiplexed by Your
 * Discriminator or by source address (RFC 5880 §6.8.6) and given to that session's
 * {@code dev.viaduct.bfd.session.BfdSession}; its actions become sent packets, timer deadlines, discard counters
 * and {@link dev.viaduct.bfd.StateChange}s for subscribers (the agent tears down BGP sessions or drops host-gw
 * routes on {@link dev.viaduct.bfd.StateChange.ClientSignal#PATH_DOWN}). {@link dev.viaduct.bfd.SessionStatus}
 * snapshots feed status and metrics.
 *
 * <p>{@code dev.viaduct.bfd.daemon} runs a manager as bfdd, the node's BFD process that outlives agent restarts,
 * serving the line protocol of {@code dev.viaduct.bfd.daemon.protocol} to its client, the agent.
 */
package dev.viaduct.bfd;
