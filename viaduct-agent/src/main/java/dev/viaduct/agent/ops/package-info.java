/**
 * Operating the agent: structured log lines (the binary installs {@code dev.viaduct.cli.LogSetup}, logfmt or
 * JSON), Prometheus metrics ({@link dev.viaduct.agent.ops.AgentMetrics}) and the HTTP endpoints {@code /healthz}, {@code /readyz},
 * {@code /status} and {@code /metrics} ({@link dev.viaduct.ops.OpsHttp}).
 *
 * <p>Metrics are fed by decorators around the agent's seams, so the components stay free of metrics code:
 * {@link dev.viaduct.store.MeteredDatastore} (viaduct-store) times every etcd request, {@link dev.viaduct.agent.ops.MeteredRouteTable}
 * and {@link dev.viaduct.agent.ops.MeteredPodDataplane} count the kernel's netlink refusals,
 * {@link dev.viaduct.agent.ops.IpamUsage} mirrors this node's IPAM share from the block watch. For
 * {@code /status} (and {@code viaduct ctl}), {@link dev.viaduct.agent.ops.KernelInspector} dumps the kernel's
 * main table and links on demand and {@link dev.viaduct.agent.ops.StatusJson} renders routes and links in one
 * shape for desired and kernel state.
 */
package dev.viaduct.agent.ops;
