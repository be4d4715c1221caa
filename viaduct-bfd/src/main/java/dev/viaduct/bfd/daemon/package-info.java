/**
 * bfdd: the node's BFD daemon, a process of its own that runs a {@link dev.viaduct.bfd.BfdManager} for its
 * client (the agent) and outlives that client's restarts. A dead node's routes disappear everywhere within the
 * BFD detection time (~300 ms with the default 100 ms x 3) instead of after a node lease or a BGP hold timer.
 *
 * <h2>Why a separate process</h2>
 * The agent must survive {@code kill -9} and restarts without losing a packet. If BFD ran inside the agent,
 * killing the agent would look exactly like a dead node to every peer, and they would drop its routes within
 * 300 ms. So BFD runs in bfdd ({@link dev.viaduct.bfd.daemon.BfdDaemon}), one long-lived process per node in
 * the node's network namespace, which the agent starts when it is not running and never stops; its packets carry
 * the C bit (RFC 5880 §4.1, "Control Plane Independent"). A restarting agent leaves bfdd and every session
 * untouched; a node that dies, freezes or loses its link stops bfdd's packets too, and peers detect it.
 *
 * <h2>Lifecycle</h2>
 * <ul>
 *   <li>Started as {@code viaduct bfdd}, or by the agent as {@code viaduct bfdd
 *       --socket S --detach} (its own session via setsid, log next to the socket) when nobody answers on its
 *       {@code bfd.socket}. Agent stop, restart or crash: bfdd keeps running.
 *   <li>bfdd takes {@code <socket>.lock} so a node never has two; a socket file left by a dead daemon is replaced.
 *   <li>bfdd ends when its node or network namespace does ({@code viaduct lab down} kills it with the
 *       namespace), on SIGTERM (peers see a failure: right for a node going away), or on the protocol's
 *       {@code Shutdown} (with AdminDown when the agent's config switches BFD off: peers leave their routes alone,
 *       RFC 5882 §3.2). Under systemd run {@code viaduct bfdd} as its own unit.
 * </ul>
 *
 * <h2>Data flow</h2>
 * A client's {@code SetSessions} (the complete wanted set) becomes sessions of the {@link
 * dev.viaduct.bfd.daemon.BfdEngine} (a {@code BfdManager}, or a test's fake); the engine's state changes become
 * {@code Event}s to every client and the daemon's per-session {@code pathDown} memory, which a later client's
 * {@code Welcome} carries. The protocol is in {@code dev.viaduct.bfd.daemon.protocol}; the client is the agent's
 * {@code dev.viaduct.agent.bfd}.
 */
package dev.viaduct.bfd.daemon;
