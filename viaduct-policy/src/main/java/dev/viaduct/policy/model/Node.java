package dev.viaduct.policy.model;

import java.net.InetAddress;
import java.util.List;

/** A node and its host addresses: traffic between a pod and its own node is always allowed. */
public record Node(String name, List<InetAddress> ips) {
    public Node {
        ips = List.copyOf(ips);
    }
}
