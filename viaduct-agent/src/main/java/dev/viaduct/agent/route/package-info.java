/**
 * The route reconciler: route sources (local pods, host-gw leases, BGP, overlays) each set their desired
 * routes; {@link dev.viaduct.agent.route.RouteReconciler} diffs the union against the kernel's routes that
 * carry Viaduct's {@code rtm_protocol} and applies only the difference. Routes of any other protocol are
 * never touched (Calico Felix's routetable model). Kernel access goes through the small
 * {@link dev.viaduct.agent.route.RouteTable} seam so the diff logic is testable without a kernel.
 */
package dev.viaduct.agent.route;
