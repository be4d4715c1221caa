/**
 * {@code viaduct ctl}: what the network is doing and why a pod cannot reach another.
 *
 * <p>Data flow: {@link dev.viaduct.ctl.Ctl} gathers facts from two sources — the datastore through a
 * {@link dev.viaduct.ctl.ClusterReader} (node records, pools, blocks, handles; IPAM's own check and release)
 * and agents through an {@link dev.viaduct.ctl.AgentClient} (each agent's {@code /status}, decoded into an
 * immutable {@link dev.viaduct.ctl.AgentStatus}: desired routes, the kernel's main table, links, pod endpoints,
 * BGP peers) — and turns them into a {@link dev.viaduct.ctl.Report}: a table for people, JSON for scripts, and
 * an exit code ({@link dev.viaduct.ctl.CtlException}: 0 ok, 1 problem found, 2 usage, 3 unreachable). The
 * diagnosis itself is pure: {@link dev.viaduct.ctl.RouteComparison} (desired vs kernel per destination) and
 * {@link dev.viaduct.ctl.PathExplainer} (the path between two pods, hop by hop, both ways), both tested with
 * hand-made statuses. Option parsing lives in {@code dev.viaduct.cli.CtlCommand}.
 */
package dev.viaduct.ctl;
