/**
 * The per-node daemon. {@link dev.viaduct.agent.Agent} wires the features together (no framework): node
 * registration, the route sources and reconciler, the pod dataplane, the CNI endpoint, health and metrics.
 * Feature packages: {@code cni}, {@code pod}, {@code route}, {@code hostgw}, {@code node}, {@code ipam},
 * {@code config}, {@code ops}.
 */
package dev.viaduct.agent;
