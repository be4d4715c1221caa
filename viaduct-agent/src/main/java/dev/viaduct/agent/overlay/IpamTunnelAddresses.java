package dev.viaduct.agent.overlay;

import dev.viaduct.ipam.Assignment;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.store.StoreException;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link TunnelAddresses} over viaduct-ipam. Thread-safe (IPAM is). */
public final class IpamTunnelAddresses implements TunnelAddresses {
    private final Ipam ipam;

    public IpamTunnelAddresses(Ipam ipam) {
        this.ipam = ipam;
    }

    @Override
    public InetAddress ensure(String handle, String node, List<IpPrefix> pools) throws TunnelAddressException {
        try {
            Optional<Handle> h = ipam.handle(handle);
            if (h.isPresent()) {
                Optional<InetAddress> v4 = h.get().addresses().stream()
                        .filter(a -> pools.stream().anyMatch(p -> p.contains(a))).findFirst();
                if (v4.isPresent() && h.get().node().equals(node)) {
                    return v4.get();
                }
                // held in a pool that no longer wants this tunnel (or by a node of the same name before): renew
                ipam.releaseByHandle(handle);
            }
            Assignment a = ipam.assign(new Ipam.AssignRequest(handle, node, true, false,
                    Map.of("node", node, "type", handle.startsWith("vxlan") ? "vxlanTunnelAddress" : "ipipTunnelAddress"),
                    pools));
            return a.addresses().stream().map(x -> x.address()).filter(x -> pools.stream().anyMatch(p -> p.contains(x)))
                    .findFirst().orElseThrow(() -> new TunnelAddressException("IPAM assigned " + handle + " no address in "
                            + pools, null));
        } catch (IpamException | StoreException e) {
            throw new TunnelAddressException("tunnel address " + handle + " from " + pools + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<InetAddress> current(String handle) throws TunnelAddressException {
        try {
            return ipam.handle(handle).flatMap(h -> h.addresses().stream().findFirst());
        } catch (IpamException | StoreException e) {
            throw new TunnelAddressException("read tunnel address " + handle + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String handle) throws TunnelAddressException {
        try {
            ipam.releaseByHandle(handle);
        } catch (IpamException e) {
            if (e.reason() != IpamException.Reason.NOT_FOUND) {
                throw new TunnelAddressException("release tunnel address " + handle + ": " + e.getMessage(), e);
            }
        } catch (StoreException e) {
            throw new TunnelAddressException("release tunnel address " + handle + ": " + e.getMessage(), e);
        }
    }
}
