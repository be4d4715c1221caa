package dev.viaduct.agent.overlay;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** IPAM for tunnel addresses: hands out .1, .2, ... of the first pool given; can be made unreachable. */
final class FakeTunnelAddresses implements TunnelAddresses {
    final Map<String, InetAddress> held = new TreeMap<>();
    int next = 1;
    boolean unreachable;

    @Override
    public synchronized InetAddress ensure(String handle, String node, List<IpPrefix> pools) throws TunnelAddressException {
        if (unreachable) {
            throw new TunnelAddressException("tunnel address " + handle + ": etcd unreachable", null);
        }
        InetAddress have = held.get(handle);
        if (have != null && pools.stream().anyMatch(p -> p.contains(have))) {
            return have;
        }
        byte[] b = pools.getFirst().address().getAddress();
        b[3] = (byte) next++;
        try {
            InetAddress a = InetAddress.getByAddress(b);
            held.put(handle, a);
            return a;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public synchronized Optional<InetAddress> current(String handle) throws TunnelAddressException {
        if (unreachable) {
            throw new TunnelAddressException("etcd unreachable", null);
        }
        return Optional.ofNullable(held.get(handle));
    }

    @Override
    public synchronized void release(String handle) throws TunnelAddressException {
        if (unreachable) {
            throw new TunnelAddressException("etcd unreachable", null);
        }
        held.remove(handle);
    }
}
