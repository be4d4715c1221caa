package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The RIB's view of one configured peer: its Adj-RIB-In (as received, before import policy) and Adj-RIB-Out
 * (as sent, after export policy) per family, the routes kept stale across its graceful restart, and what its
 * current session negotiated. Created by {@link Rib#addPeer}; every field is owned by the RIB thread except
 * the counters, which are published for status readers.
 */
public final class RibPeer {
    /** Static settings of the peer that matter to the RIB. */
    public record Settings(String name, long peerAs, boolean rrClient, boolean nextHopSelf, Policy importPolicy,
            Policy exportPolicy, InetAddress nextHopV4, InetAddress nextHopV6, boolean localRoutesOnly) {
        /** Advertising every best path the rules allow. */
        public Settings(String name, long peerAs, boolean rrClient, boolean nextHopSelf, Policy importPolicy,
                Policy exportPolicy, InetAddress nextHopV4, InetAddress nextHopV6) {
            this(name, peerAs, rrClient, nextHopSelf, importPolicy, exportPolicy, nextHopV4, nextHopV6, false);
        }

        public Settings {
            importPolicy = importPolicy == null ? Policy.ACCEPT_ALL : importPolicy;
            exportPolicy = exportPolicy == null ? Policy.ACCEPT_ALL : exportPolicy;
        }
    }

    /**
     * What the current session brings: the peer's identity and address, our local address on the
     * connection (next-hop-self), the families and AS width negotiated, the peer's graceful-restart
     * capability, where to send encoded UPDATEs, and whether the socket takes no more now ({@code blocked}).
     *
     * <p>{@code blocked} answers on the RIB thread: true when what was sent so far still waits for room in the
     * socket's send buffer. A true answer is a promise: once those bytes are written, the speaker calls
     * {@link Rib#writable} for this peer, and the RIB sends what it kept back meanwhile (export pulled by the
     * socket instead of queued in front of it).
     */
    public record Session(InetAddress address, int routerId, InetAddress localAddress, Set<Family> families,
            CodecOptions codec, boolean routeRefresh, Capability.GracefulRestart peerGr, Consumer<byte[]> out,
            BooleanSupplier blocked) {
        public Session {
            families = families.isEmpty() ? EnumSet.noneOf(Family.class) : EnumSet.copyOf(families);
        }

        /** A session whose socket always takes what is sent (everything is queued in front of it). */
        public Session(InetAddress address, int routerId, InetAddress localAddress, Set<Family> families,
                CodecOptions codec, boolean routeRefresh, Capability.GracefulRestart peerGr, Consumer<byte[]> out) {
            this(address, routerId, localAddress, families, codec, routeRefresh, peerGr, out, () -> false);
        }
    }

    private static final Family[] FAMILIES = Family.values();

    final int index;
    Settings settings;
    final boolean ibgp;
    Session session;
    int routerId;
    InetAddress address;
    /**
     * As received, before import policy; empty while {@link #adjInInLocRib} holds. With an import policy that
     * accepts everything unchanged, the Adj-RIB-In is exactly this peer's candidates in the Loc-RIB (RFC 4271 §3.2
     * describes the RIBs as conceptual, an implementation need not keep three copies), so it is not stored
     * twice: a million routes from one peer cost one table, not two (BIRD likewise keeps no Adj-RIB-In unless
     * {@code import table} is on).
     */
    final Map<Family, PrefixMap<Path>> adjIn = new EnumMap<>(Family.class);
    /** Whether the Adj-RIB-In is read from the Loc-RIB (this peer's candidates there) instead of {@link #adjIn}. */
    boolean adjInInLocRib;
    /** The Loc-RIB this peer's routes go to (read when {@link #adjInInLocRib}). */
    private final Map<Family, PrefixMap<Object>> locRib;
    final Map<Family, PeerAdjOut> adjOut = new EnumMap<>(Family.class);
    /** Routes kept from the previous session while the peer restarts (RFC 4724 §4.2), per family. */
    final Map<Family, PrefixMap<Path>> stale = new EnumMap<>(Family.class);
    long restartDeadline = Long.MAX_VALUE;
    long staleDeadline = Long.MAX_VALUE;
    final Map<Family, Boolean> endOfRibReceived = new EnumMap<>(Family.class);
    boolean removed;

    /** Written by the RIB thread only; published through {@link #acceptedCount} at each flush. */
    long accepted;
    volatile long acceptedPublished;
    volatile long receivedCount;
    /** Families whose End-of-RIB arrived in the current session, published at each flush. */
    volatile Set<Family> endOfRibPublished = Set.of();
    volatile long advertisedCount;
    volatile long updatesReceived;
    volatile long updatesSent;
    volatile long withdrawalsReceived;

    RibPeer(int index, Settings settings, long localAs, Map<Family, PrefixMap<Object>> locRib) {
        this.index = index;
        this.settings = settings;
        this.locRib = locRib;
        this.adjInInLocRib = settings.importPolicy().acceptsAllUnchanged();
        this.ibgp = settings.peerAs() == localAs;
        for (Family f : Family.values()) {
            adjIn.put(f, new PrefixMap<>(f));
            adjOut.put(f, new PeerAdjOut(this, f));
        }
    }

    public String name() {
        return settings.name();
    }

    public boolean ibgp() {
        return ibgp;
    }

    /** Prefixes received (Adj-RIB-In, stale included) as of the last flush; safe from any thread. */
    public long receivedCount() {
        return receivedCount;
    }

    /** Families whose End-of-RIB the peer sent in the current session (as of the last flush). */
    public Set<Family> endOfRib() {
        return endOfRibPublished;
    }

    public long advertisedCount() {
        return advertisedCount;
    }

    public long acceptedCount() {
        return acceptedPublished;
    }

    public long updatesSent() {
        return updatesSent;
    }

    public long updatesReceived() {
        return updatesReceived;
    }

    public boolean up() {
        return session != null;
    }

    int routerId() {
        return routerId;
    }

    InetAddress address() {
        return address;
    }

    /**
     * Prefixes in the Adj-RIB-In (all families), including routes kept stale. Read on the RIB thread. Read from
     * the Loc-RIB, that is the prefixes with a candidate from this peer, stale or not.
     */
    long received() {
        if (adjInInLocRib) {
            return accepted;
        }
        long n = 0;
        for (PrefixMap<Path> m : adjIn.values()) {
            n += m.size();
        }
        for (PrefixMap<Path> m : stale.values()) {
            n += m.size();
        }
        return n;
    }

    /** Gives every family's Adj-RIB-Out a table of its own again, holding what it was sent (its settings changed). */
    void leaveUpdateGroups() {
        for (PeerAdjOut out : adjOut.values()) {
            if (out.group() != null) {
                out.leave();
            }
        }
    }

    long advertised() {
        long n = 0;
        for (Family f : FAMILIES) {
            n += adjOut.get(f).size();
        }
        return n;
    }

    /** This peer's Adj-RIB-In (stale routes marked) as rows; on the RIB's owner thread only. */
    public java.util.List<RibRoute> adjRibIn(dev.viaduct.bgp.wire.Family f) {
        return RibRows.adjRibIn(this, f, locRib.get(f));
    }

    /** What this peer was sent, as rows; on the RIB's owner thread only. */
    public java.util.List<RibRoute> adjRibOut(dev.viaduct.bgp.wire.Family f) {
        return RibRows.adjRibOut(this, f);
    }

    /** The prefixes of this peer's Adj-RIB-In of {@code f}, stale routes included where they are in the Loc-RIB. */
    PrefixMap.Keys adjInKeys(Family f) {
        if (!adjInInLocRib) {
            return adjIn.get(f).keys();
        }
        PrefixMap.Keys keys = new PrefixMap.Keys(f, 64);
        locRib.get(f).forEach((a, b, len, v) -> {
            if (RouteSet.from(v, this) != null) {
                keys.add(a, b, len);
            }
        });
        return keys;
    }

    /** This peer's candidates in the Loc-RIB of {@code f} as a table, without those that are the Paths of {@code stale}. */
    PrefixMap<Path> adjInFromLoc(Family f, PrefixMap<Path> stale) {
        PrefixMap<Path> in = new PrefixMap<>(f);
        locRib.get(f).forEach((a, b, len, v) -> {
            Path path = RouteSet.from(v, this);
            if (path != null && (stale == null || stale.get(a, b, len) != path)) {
                in.put(a, b, len, path);
            }
        });
        return in;
    }

    /** Stores this peer's Adj-RIB-In again (from its candidates in the Loc-RIB), e.g. before an import policy applies. */
    void storeAdjIn() {
        for (Family f : Family.values()) {
            adjIn.put(f, adjInFromLoc(f, stale.get(f)));
        }
        adjInInLocRib = false;
    }

    /**
     * Drops the stored Adj-RIB-In once the import policy accepts everything unchanged again: every route is then in
     * the Loc-RIB as received. Only when no routes are stale (their Loc-RIB candidates may still be the old policy's).
     */
    void dropStoredAdjIn() {
        for (Family f : Family.values()) {
            adjIn.put(f, new PrefixMap<>(f));
        }
        adjInInLocRib = true;
    }
}
