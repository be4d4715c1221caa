package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import java.util.Optional;
import java.util.Set;

/**
 * What two OPENs agreed on (RFC 4271 §4.2 hold time, RFC 4760 §6 families, RFC 6793 AS width, RFC 2918
 * route refresh and RFC 7313 enhanced route refresh, RFC 8654 extended messages, RFC 4724 the peer's
 * graceful-restart parameters).
 *
 * @param holdTime seconds, 0 = no hold timer and no keepalives
 * @param peerGracefulRestart the peer's capability, or null when it did not advertise one
 */
public record Negotiated(Open local, Open remote, long peerAs, int peerId, int holdTime, int keepaliveTime,
        Set<Family> families, boolean fourOctetAs, boolean routeRefresh, Capability.GracefulRestart peerGracefulRestart) {
    public Negotiated {
        families = Set.copyOf(families);
    }

    public CodecOptions codec() {
        return new CodecOptions(fourOctetAs, extendedMessages(), enhancedRouteRefresh());
    }

    /**
     * Whether both sides advertised Extended Messages (RFC 8654 §3): a speaker may send them only to a peer that
     * advertised the capability, and accepts them only when it advertised it itself.
     */
    public boolean extendedMessages() {
        return both(Capability.ExtendedMessage.class);
    }

    /** Whether both sides advertised Enhanced Route Refresh (RFC 7313 §3), which gives ROUTE-REFRESH its subtypes. */
    public boolean enhancedRouteRefresh() {
        return both(Capability.EnhancedRouteRefresh.class);
    }

    private boolean both(Class<? extends Capability> c) {
        return local.capability(c).isPresent() && remote.capability(c).isPresent();
    }

    /** Whether both sides advertised graceful restart (RFC 4724 §3). */
    public boolean gracefulRestart() {
        return peerGracefulRestart != null && local.capability(Capability.GracefulRestart.class).isPresent();
    }

    public Optional<Capability.GracefulRestart> peerGr() {
        return Optional.ofNullable(peerGracefulRestart);
    }
}
