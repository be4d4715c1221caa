package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.rib.Policy;
import dev.viaduct.bgp.wire.Family;
import java.net.InetAddress;
import java.util.EnumSet;
import java.util.Set;

/**
 * One BGP neighbour. Build with {@link #builder(InetAddress, long)}; every field has a sensible default.
 *
 * @param name for logs and status (defaults to the address)
 * @param port TCP port to connect to (179; tests use others)
 * @param passive never connect, only accept the peer's connections
 * @param rrClient the peer is a route-reflector client of this speaker (RFC 4456)
 * @param nextHopSelf announce routes with this speaker as next hop (for iBGP; always so for eBGP)
 * @param localAddress source address for outbound connections, or null to let the kernel choose
 * @param password TCP MD5 key (RFC 2385) or null; needs a {@link Transport} that supports it
 * @param holdTime seconds, or null for the speaker's default
 * @param nextHopV4 next hop for IPv4 routes when the session runs over IPv6 (null: router ID)
 * @param nextHopV6 next hop for IPv6 routes when the session runs over IPv4 (null: IPv4-mapped address)
 * @param localRoutesOnly announce only routes this speaker originates, never learned ones (a host towards its
 *     ToR must not become a transit path for its neighbours' routes)
 */
public record PeerConfig(String name, InetAddress address, int port, long asn, boolean passive, boolean rrClient,
        boolean nextHopSelf, Set<Family> families, Policy importPolicy, Policy exportPolicy, InetAddress localAddress,
        String password, Integer holdTime, InetAddress nextHopV4, InetAddress nextHopV6, boolean localRoutesOnly) {
    public PeerConfig(String name, InetAddress address, int port, long asn, boolean passive, boolean rrClient,
            boolean nextHopSelf, Set<Family> families, Policy importPolicy, Policy exportPolicy, InetAddress localAddress,
            String password, Integer holdTime, InetAddress nextHopV4, InetAddress nextHopV6) {
        this(name, address, port, asn, passive, rrClient, nextHopSelf, families, importPolicy, exportPolicy, localAddress,
                password, holdTime, nextHopV4, nextHopV6, false);
    }

    public PeerConfig {
        if (address == null) {
            throw new IllegalArgumentException("address: required");
        }
        if (asn < 1 || asn > 0xffffffffL) {
            throw new IllegalArgumentException("asn: must be 1..4294967295, got " + asn);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: must be 1..65535, got " + port);
        }
        if (families == null || families.isEmpty()) {
            throw new IllegalArgumentException("families: at least one of ipv4-unicast, ipv6-unicast");
        }
        if (holdTime != null && (holdTime == 1 || holdTime == 2 || holdTime < 0 || holdTime > 65535)) {
            throw new IllegalArgumentException("holdTime: must be 0 or 3..65535 (RFC 4271 §4.2), got " + holdTime);
        }
        if (nextHopV4 != null && nextHopV4.getAddress().length != 4) {
            throw new IllegalArgumentException("nextHopV4: " + nextHopV4.getHostAddress() + " is not an IPv4 address");
        }
        if (nextHopV6 != null && nextHopV6.getAddress().length != 16) {
            throw new IllegalArgumentException("nextHopV6: " + nextHopV6.getHostAddress() + " is not an IPv6 address");
        }
        name = name == null || name.isBlank() ? address.getHostAddress() : name;
        families = EnumSet.copyOf(families);
        importPolicy = importPolicy == null ? Policy.ACCEPT_ALL : importPolicy;
        exportPolicy = exportPolicy == null ? Policy.ACCEPT_ALL : exportPolicy;
    }

    public static Builder builder(InetAddress address, long asn) {
        return new Builder(address, asn);
    }

    public Builder toBuilder() {
        Builder b = new Builder(address, asn);
        b.name = name;
        b.port = port;
        b.passive = passive;
        b.rrClient = rrClient;
        b.nextHopSelf = nextHopSelf;
        b.families = EnumSet.copyOf(families);
        b.importPolicy = importPolicy;
        b.exportPolicy = exportPolicy;
        b.localRoutesOnly = localRoutesOnly;
        b.localAddress = localAddress;
        b.password = password;
        b.holdTime = holdTime;
        b.nextHopV4 = nextHopV4;
        b.nextHopV6 = nextHopV6;
        return b;
    }

    public static final class Builder {
        private final InetAddress address;
        private final long asn;
        private String name;
        private int port = 179;
        private boolean passive;
        private boolean rrClient;
        private boolean nextHopSelf;
        private Set<Family> families = EnumSet.allOf(Family.class);
        private Policy importPolicy;
        private Policy exportPolicy;
        private boolean localRoutesOnly;
        private InetAddress localAddress;
        private String password;
        private Integer holdTime;
        private InetAddress nextHopV4;
        private InetAddress nextHopV6;

        Builder(InetAddress address, long asn) {
            this.address = address;
            this.asn = asn;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder passive(boolean v) {
            passive = v;
            return this;
        }

        public Builder rrClient(boolean v) {
            rrClient = v;
            return this;
        }

        public Builder nextHopSelf(boolean v) {
            nextHopSelf = v;
            return this;
        }

        public Builder families(Set<Family> v) {
            families = v;
            return this;
        }

        public Builder importPolicy(Policy v) {
            importPolicy = v;
            return this;
        }

        public Builder exportPolicy(Policy v) {
            exportPolicy = v;
            return this;
        }

        public Builder localAddress(InetAddress v) {
            localAddress = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder holdTime(Integer v) {
            holdTime = v;
            return this;
        }

        public Builder nextHopV4(InetAddress v) {
            nextHopV4 = v;
            return this;
        }

        public Builder nextHopV6(InetAddress v) {
            nextHopV6 = v;
            return this;
        }

        public Builder localRoutesOnly(boolean v) {
            localRoutesOnly = v;
            return this;
        }

        public PeerConfig build() {
            return new PeerConfig(name, address, port, asn, passive, rrClient, nextHopSelf, families, importPolicy,
                    exportPolicy, localAddress, password, holdTime, nextHopV4, nextHopV6, localRoutesOnly);
        }
    }
}
