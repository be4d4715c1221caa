package dev.viaduct.agent.ipam;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.agent.cni.AddressAllocator;
import dev.viaduct.ipam.Assignment;
import dev.viaduct.ipam.DeferredReleases;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.ipam.Pool;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.Reachability;
import dev.viaduct.store.RequestTimeout;
import dev.viaduct.store.StoreException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link AddressAllocator} over viaduct-ipam for this node. Maps IPAM's reasons to CNI codes: exhaustion 100,
 * a taken/reserved/outside static address 101, "try again" (conflicts that outlasted retries, etcd
 * unreachable) 11, invalid input 7.
 *
 * <p>A runtime waits for every CNI call, so none waits long for a datastore that is away: an ADD answers 11
 * at once (after a probe of at most {@link #PROBE_WAIT}) while the store is known unreachable, and its store
 * requests each wait at most {@link #STORE_TIMEOUT} otherwise (a hung etcd answers nothing; only a
 * timeout tells). A DEL never fails for the store's absence: {@link DeferredReleases} records the release
 * on the node and carries it out when the store is back.
 */
public final class IpamAllocator implements AddressAllocator {
    /** How long each store request of an ADD (DEL, CHECK) may wait for its answer. */
    static final Duration STORE_TIMEOUT = Duration.ofMillis(1500);
    /** How long an ADD waits for a probe of a store known unreachable before answering "try again". */
    static final Duration PROBE_WAIT = Duration.ofMillis(400);

    private final Ipam ipam;
    private final String node;
    private final Datastore store;
    private final DeferredReleases releases;

    public IpamAllocator(Ipam ipam, String node, Datastore store, DeferredReleases releases) {
        this.ipam = ipam;
        this.node = node;
        this.store = store;
        this.releases = releases;
    }

    @Override
    public List<InetAddress> assign(String handle, boolean ipv4, boolean ipv6, List<InetAddress> staticIps,
            Map<String, String> attributes) throws CniException {
        Reachability.Down down = store.unreachable(PROBE_WAIT).orElse(null);
        if (down != null) {
            throw new CniException(CniErrorCode.TRY_AGAIN_LATER, "the datastore (etcd) is unreachable, try again",
                    "no answer since " + down.since() + ": " + down.reason());
        }
        return RequestTimeout.within(STORE_TIMEOUT, () -> assignNow(handle, ipv4, ipv6, staticIps, attributes));
    }

    private List<InetAddress> assignNow(String handle, boolean ipv4, boolean ipv6, List<InetAddress> staticIps,
            Map<String, String> attributes) throws CniException {
        try {
            releases.settle(handle); // a DEL of this handle during an outage still owes its release
            List<InetAddress> out = new ArrayList<>();
            boolean static4 = staticIps.stream().anyMatch(a -> a instanceof Inet4Address);
            boolean static6 = staticIps.stream().anyMatch(a -> !(a instanceof Inet4Address));
            for (InetAddress ip : staticIps) {
                Assignment a = ipam.assignStatic(handle, node, ip, attributes);
                a.addresses().stream().filter(x -> x.address().equals(ip)).findFirst().ifPresent(x -> out.add(x.address()));
            }
            boolean auto4 = ipv4 && !static4;
            boolean auto6 = ipv6 && !static6;
            if (auto4 || auto6) {
                try {
                    Assignment a = ipam.assign(handle, node, auto4, auto6, attributes);
                    for (var x : a.addresses()) {
                        if ((x.address() instanceof Inet4Address) ? auto4 : auto6) {
                            out.add(x.address());
                        }
                    }
                } catch (IpamException | StoreException e) {
                    if (!staticIps.isEmpty()) {
                        releaseQuietly(handle);
                    }
                    throw e;
                }
            }
            return out;
        } catch (IpamException e) {
            throw map(e);
        } catch (StoreException e) {
            throw unreachable(e);
        }
    }

    private void releaseQuietly(String handle) {
        try {
            ipam.releaseByHandle(handle);
        } catch (RuntimeException ignored) {
            // the caller reports the original failure; GC reclaims the rest
        }
    }

    /** Releases now, or records the release for when the store answers: empty then. */
    @Override
    public List<InetAddress> release(String handle) throws CniException {
        try {
            return switch (releases.release(handle, STORE_TIMEOUT)) {
                case DeferredReleases.Outcome.Released r -> r.addresses();
                case DeferredReleases.Outcome.Deferred d -> List.of();
            };
        } catch (IpamException e) {
            throw map(e);
        } catch (StoreException e) {
            throw unreachable(e);
        } catch (UncheckedIOException e) {
            throw new CniException(CniErrorCode.IO_FAILURE, "cannot record the address release for later", e.getMessage());
        }
    }

    @Override
    public List<InetAddress> addressesOf(String handle) throws CniException {
        try {
            return RequestTimeout.within(STORE_TIMEOUT, () -> ipam.handle(handle)).map(Handle::addresses).orElse(List.of());
        } catch (IpamException e) {
            throw map(e);
        } catch (StoreException e) {
            throw unreachable(e);
        }
    }

    @Override
    public List<String> handlesOfNetwork(String network) throws CniException {
        try {
            return ipam.handles().stream().filter(h -> h.node().equals(node) && h.id().startsWith(network + "."))
                    .map(Handle::id).toList();
        } catch (IpamException e) {
            throw map(e);
        } catch (StoreException e) {
            throw unreachable(e);
        }
    }

    @Override
    public String unavailableReason() {
        var down = store.unreachable(Duration.ZERO);
        if (down.isPresent()) {
            return "datastore unreachable since " + down.get().since() + ": " + down.get().reason();
        }
        try {
            List<Pool> pools = ipam.pools();
            if (pools.stream().allMatch(Pool::disabled)) {
                return pools.isEmpty() ? "no IP pool exists" : "every IP pool is disabled";
            }
            return "";
        } catch (RuntimeException e) {
            return "datastore unreachable: " + e.getMessage();
        }
    }

    static CniException map(IpamException e) {
        CniErrorCode code = switch (e.reason()) {
            case EXHAUSTED -> CniErrorCode.ADDRESS_EXHAUSTED;
            case ADDRESS_TAKEN, NOT_IN_POOL, RESERVED -> CniErrorCode.ADDRESS_UNAVAILABLE;
            case INVALID -> CniErrorCode.INVALID_CONFIG;
            case CONFLICT, UNAVAILABLE -> CniErrorCode.TRY_AGAIN_LATER;
            case NOT_FOUND, POOL_CONFLICT, CORRUPT, STORE -> e.tryAgain() ? CniErrorCode.TRY_AGAIN_LATER : CniErrorCode.IO_FAILURE;
        };
        String msg = e.reason() == IpamException.Reason.UNAVAILABLE ? "the datastore (etcd) is unreachable, try again" : switch (code) {
            case ADDRESS_EXHAUSTED -> "no free pod address for this node";
            case ADDRESS_UNAVAILABLE -> "the requested address cannot be assigned";
            case TRY_AGAIN_LATER -> "IPAM is temporarily unavailable, try again";
            default -> "IPAM failed";
        };
        return new CniException(code, msg, e.getMessage());
    }

    static CniException unreachable(StoreException e) {
        return new CniException(e.tryAgain() ? CniErrorCode.TRY_AGAIN_LATER : CniErrorCode.IO_FAILURE,
                "the datastore (etcd) is unreachable", e.getMessage());
    }
}
