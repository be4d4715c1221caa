package dev.viaduct.agent.bgp;

/**
 * Per-node BGP settings ({@code <prefix>/bgp/nodes/<name>}), changeable at run time.
 *
 * @param asn                     this node's AS number (AS-per-rack or AS-per-node designs); null = cluster default
 * @param routeReflectorClusterId an IPv4-style cluster ID: this node is a route reflector of that cluster, and
 *                                its node peers without one are its clients (RFC 4456)
 */
public record BgpNodeSettings(Long asn, String routeReflectorClusterId) {
}
