package dev.viaduct.agent.overlay;

import dev.viaduct.ipam.EncapMode;
import dev.viaduct.ipam.Pool;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * The part of an IPAM pool the overlays and NAT act on (Calico's {@code vxlanMode}, {@code ipipMode},
 * {@code natOutgoing}). A pool cannot enable both encapsulations at once (IPAM refuses it).
 */
public record PoolSettings(IpPrefix cidr, EncapMode vxlanMode, EncapMode ipipMode, boolean natOutgoing) {
    public PoolSettings {
        Objects.requireNonNull(cidr, "cidr");
        vxlanMode = vxlanMode == null ? EncapMode.NEVER : vxlanMode;
        ipipMode = ipipMode == null ? EncapMode.NEVER : ipipMode;
    }

    public static PoolSettings of(Pool p) {
        return new PoolSettings(p.cidr(), p.vxlanMode(), p.ipipMode(), p.natOutgoing());
    }

    /** A pool without overlay or NAT. */
    public static PoolSettings plain(String cidr) {
        return new PoolSettings(IpPrefix.parse(cidr), EncapMode.NEVER, EncapMode.NEVER, false);
    }

    /** Which tunnel kind this pool asks for (VXLAN wins if a hand-edited record had both), and how. */
    public Optional<TunnelKind> tunnel() {
        if (vxlanMode != EncapMode.NEVER) {
            // VXLAN carries Ethernet frames, so IPv6 pools ride the same device as IPv4 ones (RFC 7348)
            return Optional.of(TunnelKind.VXLAN);
        }
        // IPIP (RFC 2003) carries IPv4 only: an IPv6 pool's ipipMode is ignored and reported by the controller
        if (ipipMode != EncapMode.NEVER && cidr.isIpv4()) {
            return Optional.of(TunnelKind.IPIP);
        }
        return Optional.empty();
    }

    /** The mode of {@link #tunnel()}, NEVER when there is none. */
    public EncapMode tunnelMode() {
        return tunnel().map(k -> k == TunnelKind.VXLAN ? vxlanMode : ipipMode).orElse(EncapMode.NEVER);
    }

    /** The pool containing {@code a}, if any. */
    public static Optional<PoolSettings> containing(Collection<PoolSettings> pools, InetAddress a) {
        return pools.stream().filter(p -> p.cidr().contains(a)).findFirst();
    }

    /** The pool containing all of {@code c}, if any. */
    public static Optional<PoolSettings> containing(Collection<PoolSettings> pools, IpPrefix c) {
        return pools.stream().filter(p -> p.cidr().contains(c)).findFirst();
    }

    public String describe() {
        return cidr + " vxlanMode=" + vxlanMode.text() + " ipipMode=" + ipipMode.text() + " natOutgoing=" + natOutgoing;
    }
}
