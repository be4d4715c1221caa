package dev.viaduct.policy.model;

import java.util.HashMap;
import java.util.Map;

/**
 * A namespace and its labels. Like the API server, which sets the immutable label
 * {@value #NAME_LABEL} on every namespace, the record always carries it, so namespace selectors written for
 * Kubernetes select the same namespaces here.
 */
public record Namespace(String name, Map<String, String> labels) {
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";

    public Namespace {
        Map<String, String> l = new HashMap<>(labels);
        l.put(NAME_LABEL, name);
        labels = Map.copyOf(l);
    }
}
