package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import java.util.Optional;
import java.util.Set;

/**
 * What two OPENs agreed on (RFC 4271 §4.2 hold time, RFC 4760 §6 families, RFC 6793 AS width, RFC 2918
 * route refresh, RFC 4724 the peer's graceful-restart parameters).
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
        return fourOctetAs ? CodecOptions.FOUR_OCTET_AS : CodecOptions.TWO_OCTET_AS;
    }

    /** Whether both sides advertised graceful restart (RFC 4724 §3). */
    public boolean gracefulRestart() {
        return peerGracefulRestart != null && local.capability(Capability.GracefulRestart.class).isPresent();
    }

    public Optional<Capability.GracefulRestart> peerGr() {
        return Optional.ofNullable(peerGracefulRestart);
    }
}
