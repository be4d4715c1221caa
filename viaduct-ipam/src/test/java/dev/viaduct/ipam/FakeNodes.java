package dev.viaduct.ipam;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A node directory the test fills in. */
final class FakeNodes implements KnownNodes {
    final Map<String, Map<String, String>> nodes = new ConcurrentHashMap<>();

    FakeNodes add(String node, Map<String, String> labels) {
        nodes.put(node, labels);
        return this;
    }

    @Override
    public Set<String> names() {
        return Set.copyOf(nodes.keySet());
    }

    @Override
    public Optional<Map<String, String>> labels(String node) {
        return Optional.ofNullable(nodes.get(node));
    }
}
