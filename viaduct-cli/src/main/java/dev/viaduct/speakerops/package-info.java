/**
 * The standalone speaker's operations endpoint ({@code viaduct bgp}'s {@code http.listen}): the agent's
 * {@code /healthz}, {@code /readyz}, {@code /status} and {@code /metrics} for a {@link
 * dev.viaduct.bgp.speaker.BgpSpeaker}, plus {@code /routes}, the Loc-RIB query {@code viaduct ctl bgp routes}
 * reads. Data flows one way: the speaker's thread-safe snapshots ({@code peers()}) and RIB-thread queries
 * ({@code matchRoutes}, {@code routesAt}) to JSON or Prometheus text on the HTTP server's virtual threads.
 */
package dev.viaduct.speakerops;
