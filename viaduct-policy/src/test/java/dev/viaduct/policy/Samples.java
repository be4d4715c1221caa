package dev.viaduct.policy;

import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.sys.net.IpAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A small cluster shared by the tests: two nodes, namespaces prod/dev, and the sample policies. */
public final class Samples {
    private Samples() {
    }

    public static InetAddress ip(String text) {
        return IpAddresses.parse(text);
    }

    public static List<InetAddress> ips(String... text) {
        return Arrays.stream(text).map(Samples::ip).toList();
    }

    public static String resource(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<NetworkPolicy> policies() {
        try {
            return NetworkPolicyReader.read(resource("sample-policies.yaml"), null);
        } catch (PolicyValidationException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    public static Pod pod(String ns, String name, Map<String, String> labels, String node, List<ContainerPort> ports, String... ips) {
        return new Pod(ns, name, labels, ips(ips), node, "vdc" + String.format("%011x", Math.abs((ns + "/" + name).hashCode())), ports);
    }

    public static Cluster cluster() {
        return new Cluster(policies(),
                List.of(
                        pod("prod", "db", Map.of("role", "db"), "n1", List.of(), "10.244.1.2", "fd00:244:1::2"),
                        pod("prod", "web", Map.of("role", "web"), "n1",
                                List.of(new ContainerPort("http", 8080, Protocol.TCP)), "10.244.1.3", "fd00:244:1::3"),
                        pod("prod", "frontend", Map.of("role", "frontend"), "n2", List.of(), "10.244.2.2", "fd00:244:2::2"),
                        pod("dev", "tool", Map.of("role", "frontend"), "n2", List.of(), "10.244.2.3"),
                        pod("other", "x", Map.of(), "n1", List.of(), "10.244.1.4")),
                List.of(new Namespace("prod", Map.of("team", "a")), new Namespace("dev", Map.of("project", "myproject")),
                        new Namespace("other", Map.of())),
                List.of(new Node("n1", ips("192.168.0.1", "fd00:168::1")), new Node("n2", ips("192.168.0.2"))));
    }
}
