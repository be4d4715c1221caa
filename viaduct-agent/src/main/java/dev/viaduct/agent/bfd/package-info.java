/**
 * BFD in the agent: the client of bfdd (the node's BFD daemon in viaduct-bfd, {@code dev.viaduct.bfd.daemon},
 * which says why it is a process of its own). A dead node's routes disappear everywhere within the BFD detection
 * time (~300 ms with the default 100 ms x 3) instead of after a node lease or a BGP hold timer.
 *
 * <h2>Data flow</h2>
 * <ul>
 *   <li>In: the agent gives {@link dev.viaduct.agent.bfd.BfdSupervisor#setPeers} the complete list of peers that
 *       want BFD (every other node in host-gw mode, the BGP peers with BFD on in BGP mode);
 *       {@link dev.viaduct.agent.bfd.BfdPeers} plans their sessions (single-hop: directly connected peers only).
 *   <li>To bfdd: {@link dev.viaduct.agent.bfd.BfddLink} keeps the connection on {@code bfd.socket}, starts the daemon
 *       through {@link dev.viaduct.bfd.daemon.client.BfdDaemonLauncher} ({@code viaduct bfdd --socket S
 *       --detach}) when nobody answers, and sends the wanted set after every (re)connection; the daemon's Welcome
 *       and events come back in order.
 *   <li>Out: the supervisor publishes every change of the path-down set ({@code BfdSupervisor.PathDown}) to its
 *       {@code onPathDown} listeners. It imports no route source and never calls back into one: {@code Agent}
 *       wires host-gw (drops a path-down node's routes, {@code HostGwSource.setPathDown}) and BGP (tears the
 *       session down, drops the peer's routes without graceful-restart retention, RFC 5882 §4.3, and keeps it out
 *       of the speaker until BFD is Up again: {@code BgpMode.pathDown}, {@code BgpMode.holdDown}).
 * </ul>
 */
package dev.viaduct.agent.bfd;
