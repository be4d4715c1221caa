package dev.viaduct.agent.ipam;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.agent.cni.AddressAllocator;
import dev.viaduct.ipam.Assignment;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.ipam.Pool;
import dev.viaduct.store.StoreException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link AddressAllocator} over viaduct-ipam for this node. Maps IPAM's reasons to CNI codes: exhaustion 100,
 * a taken/reserved/outside static address 101, "try again" (conflicts that outlasted retries, etcd
 * unreachable) 11, invalid input 7.
 */
public final class IpamAllocator implements AddressAllocator {
    private final Ipam ipam;
    private final String node;

    public IpamAllocator(Ipam ipam, String node) {
        this.ipam = ipam;
        this.node = node;
    }

    @Override
    public List<InetAddress> assign(String handle, boolean ipv4, boolean ipv6, List<InetAddress> staticIps,
            Map<String, String> attributes) throws CniException {
        try {
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

    @Override
    public List<InetAddress> release(String handle) throws CniException {
        try {
            return ipam.releaseByHandle(handle);
        } catch (IpamException e) {
            throw map(e);
        } catch (StoreException e) {
            throw unreachable(e);
        }
    }

    @Override
    public List<InetAddress> addressesOf(String handle) throws CniException {
        try {
            return ipam.handle(handle).map(Handle::addresses).orElse(List.of());
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
        String msg = switch (code) {
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
