/**
 * BGP mode: the embedded speaker (viaduct-bgp) announces this node's blocks and borrowed addresses, and its
 * best paths (ECMP when several are equal) become kernel routes through the route reconciler. Who peers with
 * whom is computed by {@link dev.viaduct.agent.bgp.BgpTopology} from the store — cluster settings
 * ({@code bgp/config}: node-to-node mesh on/off, default AS, timers), peer records ({@code bgp/peers/*}:
 * global, per-node or per-rack by label selector, or node-to-node by peer selector) and per-node settings
 * ({@code bgp/nodes/*}: AS number, route-reflector cluster ID) — and follows their changes without restart.
 */
package dev.viaduct.agent.bgp;
