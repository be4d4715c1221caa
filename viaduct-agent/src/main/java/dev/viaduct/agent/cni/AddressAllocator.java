package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.CniException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * What the CNI handler needs from IPAM. The adapter over viaduct-ipam maps IPAM's failures to CNI codes:
 * exhaustion → 100, a taken/reserved/outside static address → 101, etcd unreachable or conflicts that
 * outlived their retries → 11 (try again later).
 */
public interface AddressAllocator {
    /** Assigns one address per requested family (or exactly {@code staticIps}) to {@code handle}. */
    List<InetAddress> assign(String handle, boolean ipv4, boolean ipv6, List<InetAddress> staticIps,
            Map<String, String> attributes) throws CniException;

    /** Releases everything {@code handle} holds; idempotent. Returns what was released. */
    List<InetAddress> release(String handle) throws CniException;

    /** The addresses {@code handle} holds (empty if none). */
    List<InetAddress> addressesOf(String handle) throws CniException;

    /** Handles held by this node whose name starts with {@code network + "."}. */
    List<String> handlesOfNetwork(String network) throws CniException;

    /** Empty when the datastore is reachable and a pool can serve this node; otherwise why not. */
    String unavailableReason();
}
