package dev.viaduct.ipam;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which nodes exist and their labels: for pool node selectors and for {@code check} (blocks of nodes that
 * are gone). The agent's node registry implements it; {@link NodesInStore} reads the node records.
 */
public interface KnownNodes {
    /** Names of the nodes that exist. */
    Set<String> names();

    /** A node's labels, or empty if the node does not exist. */
    Optional<Map<String, String>> labels(String node);
}
