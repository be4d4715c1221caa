/**
 * BFD in the agent (issue 11): a dead node's routes disappear everywhere within the BFD detection time
 * (~300 ms with the default 100 ms x 3) instead of after a node lease or a BGP hold timer.
 *
 * <h2>Why a separate process</h2>
 * The agent must survive {@code kill -9} and restarts without losing a packet. If BFD ran inside the agent,
 * killing the agent would look exactly like a dead node to every peer, and they would drop its routes within
 * 300 ms. So BFD runs in <b>bfdd</b> ({@link dev.viaduct.agent.bfd.BfdDaemon}), one long-lived process per node in
 * the node's network namespace, which the agent starts when it is not running and never stops; its packets carry
 * the C bit (RFC 5880 §4.1, "Control Plane Independent"). A restarting agent leaves bfdd and every session
 * untouched; a node that dies, freezes or loses its link stops bfdd's packets too, and peers detect it.
 *
 * <h2>Lifecycle</h2>
 * <ul>
 *   <li>The agent ({@link dev.viaduct.agent.bfd.BfdSupervisor}) connects to {@code bfd.socket}; when nobody
 *       answers it starts {@code java ... BfdDaemonMain --socket S --detach} (its own session via setsid, log
 *       next to the socket) and connects again. Agent stop, restart or crash: bfdd keeps running.
 *   <li>bfdd takes {@code <socket>.lock} so a node never has two; a socket file left by a dead daemon is replaced.
 *   <li>bfdd ends when its node or network namespace does ({@code viaduct lab down} kills it with the
 *       namespace), on SIGTERM (peers see a failure: right for a node going away), or on the protocol's
 *       {@code Shutdown} (with AdminDown when the agent's config switches BFD off: peers leave their routes alone,
 *       RFC 5882 §3.2). Under systemd run {@code viaduct bfdd} as its own unit.
 * </ul>
 *
 * <h2>Protocol</h2>
 * One JSON object per line on a root-only unix socket ({@link dev.viaduct.agent.bfd.BfddMessage},
 * {@link dev.viaduct.agent.bfd.BfddCodec}): {@code Hello} → {@code Welcome} (daemon pid, network namespace,
 * start time, every session with its {@code pathDown} flag); {@code SetSessions} (the complete wanted set) →
 * {@code Status}; {@code GetStatus} → {@code Status}; {@code Shutdown}; and {@code Event}s pushed on every state
 * change. After a reconnection the agent sends its set again and takes the Welcome's states as the truth, so a
 * restarted agent knows at once which peers are path-down.
 *
 * <h2>What a path failure does</h2>
 * {@link dev.viaduct.agent.bfd.BfdPeers} picks the peers (every other node in host-gw mode, the BGP peers with BFD
 * on in BGP mode; single-hop, so directly connected peers only). When bfdd reports a path down the supervisor
 * tells the route source: host-gw drops that node's routes ({@code HostGwSource.setPathDown}); BGP tears the
 * session down, drops the peer's routes without graceful-restart retention (RFC 5882 §4.3) and keeps it out of
 * the speaker until BFD is Up again ({@code BgpMode.pathDown}, {@code BgpMode.holdDown}).
 */
package dev.viaduct.agent.bfd;
