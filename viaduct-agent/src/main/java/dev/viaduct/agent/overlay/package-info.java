/**
 * Overlays (Calico-style, no multicast, no learning): where nodes share no L2 segment and their routers cannot
 * learn pod routes, pod traffic between them is encapsulated — VXLAN ({@code vxlan.viaduct}) or IPIP
 * ({@code tunl0}) — per pool, {@code Always}, {@code CrossSubnet} (only towards peers outside this node's
 * directly connected subnets) or {@code Never}.
 *
 * <p>Data flow: the pools (IPAM, watched) → {@link dev.viaduct.agent.overlay.PoolSettings};
 * {@link dev.viaduct.agent.overlay.EncapPolicy} decides per peer and pool (pure) and the route source turns the
 * decision into routes ({@code block via <peer VTEP> dev vxlan.viaduct onlink}); the
 * {@link dev.viaduct.agent.overlay.OverlayController} keeps the devices, tunnel addresses (IPAM handles
 * {@code vxlan-tunnel-addr-<node>}), the published VTEP ({@link dev.viaduct.agent.node.NodeRecord.Vtep}) and
 * the VXLAN neighbour/FDB entries in the kernel ({@link dev.viaduct.agent.overlay.OverlayKernel}, over netlink);
 * {@link dev.viaduct.agent.overlay.OverlayMtu} gives the pod MTU. {@link dev.viaduct.agent.overlay.OverlayPlane}
 * wires it all into the agent.
 */
package dev.viaduct.agent.overlay;
