/**
 * Node membership: each agent publishes a {@link dev.viaduct.agent.node.NodeRecord} under
 * {@code <prefix>/nodes/<name>}, attached to a lease it keeps alive, so a node that dies disappears from
 * every other node's view when the lease expires.
 */
package dev.viaduct.agent.node;
