package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** In-memory IPAM stand-in: hands out 10.244.0.1, .2, ... and can be told to fail. */
final class FakeAllocator implements AddressAllocator {
    final Map<String, List<InetAddress>> held = new LinkedHashMap<>();
    int next = 1;
    CniException failNext;
    String unavailable = "";

    @Override
    public synchronized List<InetAddress> assign(String handle, boolean ipv4, boolean ipv6, List<InetAddress> staticIps,
            Map<String, String> attributes) throws CniException {
        if (failNext != null) {
            CniException e = failNext;
            failNext = null;
            throw e;
        }
        List<InetAddress> out = new ArrayList<>(staticIps);
        if (out.isEmpty()) {
            try {
                out.add(InetAddress.getByName("10.244.0." + next++));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        for (var l : held.values()) {
            for (InetAddress a : out) {
                if (l.contains(a)) {
                    throw new CniException(CniErrorCode.ADDRESS_UNAVAILABLE, a.getHostAddress() + " is taken");
                }
            }
        }
        held.computeIfAbsent(handle, h -> new ArrayList<>()).addAll(out);
        return out;
    }

    @Override
    public synchronized List<InetAddress> release(String handle) {
        List<InetAddress> r = held.remove(handle);
        return r == null ? List.of() : r;
    }

    @Override
    public synchronized List<InetAddress> addressesOf(String handle) {
        return held.getOrDefault(handle, List.of());
    }

    @Override
    public synchronized List<String> handlesOfNetwork(String network) {
        return held.keySet().stream().filter(h -> h.startsWith(network + ".")).toList();
    }

    @Override
    public String unavailableReason() {
        return unavailable;
    }
}
