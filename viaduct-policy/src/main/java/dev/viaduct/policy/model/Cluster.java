package dev.viaduct.policy.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Everything policy decisions depend on: policies, pods, namespaces and nodes. */
public record Cluster(List<NetworkPolicy> policies, List<Pod> pods, List<Namespace> namespaces, List<Node> nodes) {
    public Cluster {
        policies = policies.stream().sorted(NetworkPolicy.ORDER).toList();
        pods = List.copyOf(pods);
        namespaces = List.copyOf(namespaces);
        nodes = List.copyOf(nodes);
    }

    public Map<String, Namespace> namespacesByName() {
        return namespaces.stream().collect(Collectors.toMap(Namespace::name, Function.identity(), (a, b) -> b));
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }
}
