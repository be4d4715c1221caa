package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.wire.Family;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a speaker starts from. Build with {@link #builder(long, Inet4Address)}.
 *
 * @param listen where to accept connections (port 0 = any free port), or null to accept none
 * @param clusterId route-reflector cluster ID (RFC 4456 §7), null = the router ID
 * @param holdTime proposed hold time in seconds (RFC 4271 §10: 90)
 * @param connectRetrySeconds ConnectRetryTimer (RFC 4271 §10 suggests 120; 5 suits a cluster network)
 * @param idleHoldSeconds pause before an automatic restart after an error
 * @param multipath deliver all equal-cost paths as ECMP next hops (RFC 4271 §9.1.2.2 up to step e)
 * @param gracefulRestart null = do not advertise graceful restart
 * @param jitWarmupRoutes synthetic routes the JVM's first speaker runs through the UPDATE path before it takes
 *     a session (~0.3 s of CPU at the default), so the first real table meets compiled code; 0 = none
 * @param expectedRoutes prefixes the Loc-RIB is expected to hold, per family: its table is sized for them at start,
 *     so a full table loads without doubling it (a family not named starts empty and grows)
 */
public record SpeakerConfig(long asn, Inet4Address routerId, InetSocketAddress listen, Inet4Address clusterId,
        int holdTime, int connectRetrySeconds, int idleHoldSeconds, boolean multipath, long defaultLocalPref,
        Set<Family> families, GracefulRestart gracefulRestart, List<PeerConfig> peers, List<LocalRoute> routes,
        int jitWarmupRoutes, Map<Family, Integer> expectedRoutes) {

    /** bench/bgp: 50k gets a cold JVM's 100k-route load from ~3.3x BIRD's time to ~1.1x (docs/benchmarks.md). */
    public static final int DEFAULT_JIT_WARMUP_ROUTES = 50_000;
    /** The largest {@link #expectedRoutes} per family: a full Internet table is about 1M IPv4 prefixes. */
    public static final int MAX_EXPECTED_ROUTES = 100_000_000;

    /**
     * Graceful restart (RFC 4724).
     *
     * @param restartTime seconds peers should keep our routes after we vanish (12 bits)
     * @param restarting set the R bit: this speaker has just restarted and peers should keep its routes until
     *     its End-of-RIB
     * @param forwardingPreserved set the F bit: the forwarding state (kernel routes) survived the restart
     * @param stalePathSeconds how long we keep a restarted peer's routes waiting for its End-of-RIB
     * @param selectionDeferralSeconds with {@code restarting}: defer route selection, advertisements and
     *     End-of-RIB until every peer has sent End-of-RIB, at most this long (RFC 4724 §4.1's
     *     Selection_Deferral_Timer); 0 = advertise at once. Keep it below the peers' restart time, or they drop
     *     our routes before we send them again.
     */
    public record GracefulRestart(int restartTime, boolean restarting, boolean forwardingPreserved, int stalePathSeconds,
            int selectionDeferralSeconds) {
        public GracefulRestart {
            if (restartTime < 0 || restartTime > 4095) {
                throw new IllegalArgumentException("gracefulRestart.restartTime: must be 0..4095 s (12 bits, RFC 4724 §3), got " + restartTime);
            }
            if (stalePathSeconds < 1) {
                throw new IllegalArgumentException("gracefulRestart.stalePathSeconds: must be at least 1, got " + stalePathSeconds);
            }
            if (selectionDeferralSeconds < 0 || selectionDeferralSeconds > 3600) {
                throw new IllegalArgumentException("gracefulRestart.selectionDeferralSeconds: must be 0..3600, got " + selectionDeferralSeconds);
            }
        }

        /** Without selection deferral. */
        public GracefulRestart(int restartTime, boolean restarting, boolean forwardingPreserved, int stalePathSeconds) {
            this(restartTime, restarting, forwardingPreserved, stalePathSeconds, 0);
        }

        public static final GracefulRestart DEFAULT = new GracefulRestart(120, false, true, 360);
    }

    public SpeakerConfig {
        if (asn < 1 || asn > 0xffffffffL) {
            throw new IllegalArgumentException("asn: must be 1..4294967295, got " + asn);
        }
        if (routerId == null || routerId.isAnyLocalAddress()) {
            throw new IllegalArgumentException("routerId: required, a non-zero IPv4 address (RFC 6286)");
        }
        if (holdTime == 1 || holdTime == 2 || holdTime < 0 || holdTime > 65535) {
            throw new IllegalArgumentException("holdTime: must be 0 or 3..65535 (RFC 4271 §4.2), got " + holdTime);
        }
        if (connectRetrySeconds < 1) {
            throw new IllegalArgumentException("connectRetrySeconds: must be at least 1, got " + connectRetrySeconds);
        }
        if (idleHoldSeconds < 0) {
            throw new IllegalArgumentException("idleHoldSeconds: must be 0 or more, got " + idleHoldSeconds);
        }
        if (families == null || families.isEmpty()) {
            throw new IllegalArgumentException("families: at least one of ipv4-unicast, ipv6-unicast");
        }
        if (jitWarmupRoutes < 0 || jitWarmupRoutes > 10_000_000) {
            throw new IllegalArgumentException("jitWarmupRoutes: must be 0..10000000, got " + jitWarmupRoutes);
        }
        families = EnumSet.copyOf(families);
        expectedRoutes = expectedRoutes == null || expectedRoutes.isEmpty() ? Map.of() : new EnumMap<>(expectedRoutes);
        for (Map.Entry<Family, Integer> e : expectedRoutes.entrySet()) {
            if (e.getValue() < 0 || e.getValue() > MAX_EXPECTED_ROUTES) {
                throw new IllegalArgumentException("expectedRoutes." + e.getKey().label() + ": must be 0.." + MAX_EXPECTED_ROUTES + ", got " + e.getValue());
            }
        }
        expectedRoutes = Map.copyOf(expectedRoutes);
        peers = List.copyOf(peers == null ? List.of() : peers);
        routes = List.copyOf(routes == null ? List.of() : routes);
        Set<java.net.InetAddress> seen = new HashSet<>();
        for (int i = 0; i < peers.size(); i++) {
            if (!seen.add(peers.get(i).address())) {
                throw new IllegalArgumentException("peers[" + i + "].address: " + peers.get(i).address().getHostAddress() + " is configured twice");
            }
        }
    }

    public static Builder builder(long asn, Inet4Address routerId) {
        return new Builder(asn, routerId);
    }

    public static final class Builder {
        private final long asn;
        private final Inet4Address routerId;
        private InetSocketAddress listen;
        private Inet4Address clusterId;
        private int holdTime = 90;
        private int jitWarmupRoutes = DEFAULT_JIT_WARMUP_ROUTES;
        private int connectRetrySeconds = 5;
        private int idleHoldSeconds = 1;
        private boolean multipath = true;
        private long defaultLocalPref = 100;
        private Set<Family> families = EnumSet.allOf(Family.class);
        private GracefulRestart gracefulRestart = GracefulRestart.DEFAULT;
        private final List<PeerConfig> peers = new ArrayList<>();
        private final List<LocalRoute> routes = new ArrayList<>();
        private final Map<Family, Integer> expectedRoutes = new EnumMap<>(Family.class);

        Builder(long asn, Inet4Address routerId) {
            this.asn = asn;
            this.routerId = routerId;
        }

        public Builder listen(InetSocketAddress v) {
            listen = v;
            return this;
        }

        public Builder clusterId(Inet4Address v) {
            clusterId = v;
            return this;
        }

        public Builder holdTime(int v) {
            holdTime = v;
            return this;
        }

        public Builder connectRetrySeconds(int v) {
            connectRetrySeconds = v;
            return this;
        }

        public Builder idleHoldSeconds(int v) {
            idleHoldSeconds = v;
            return this;
        }

        public Builder multipath(boolean v) {
            multipath = v;
            return this;
        }

        public Builder defaultLocalPref(long v) {
            defaultLocalPref = v;
            return this;
        }

        public Builder families(Set<Family> v) {
            families = v;
            return this;
        }

        public Builder gracefulRestart(GracefulRestart v) {
            gracefulRestart = v;
            return this;
        }

        public Builder peer(PeerConfig p) {
            peers.add(p);
            return this;
        }

        public Builder jitWarmupRoutes(int v) {
            jitWarmupRoutes = v;
            return this;
        }

        public Builder expectedRoutes(Family f, int prefixes) {
            expectedRoutes.put(f, prefixes);
            return this;
        }

        public Builder route(LocalRoute r) {
            routes.add(r);
            return this;
        }

        public SpeakerConfig build() {
            return new SpeakerConfig(asn, routerId, listen, clusterId, holdTime, connectRetrySeconds, idleHoldSeconds,
                    multipath, defaultLocalPref, families, gracefulRestart, peers, routes, jitWarmupRoutes, expectedRoutes);
        }
    }
}
