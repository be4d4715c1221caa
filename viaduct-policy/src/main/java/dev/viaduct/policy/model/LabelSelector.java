package dev.viaduct.policy.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A meta/v1 LabelSelector: the requirements of {@code matchLabels} and {@code matchExpressions} ANDed. The
 * empty selector matches every object (the API: "An empty label selector matches all objects").
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    public static final LabelSelector ALL = new LabelSelector(Map.of(), List.of());

    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    public static LabelSelector matchLabels(Map<String, String> labels) {
        return new LabelSelector(labels, List.of());
    }

    /** Selector operators (meta/v1 LabelSelectorOperator). */
    public enum Operator {
        In, NotIn, Exists, DoesNotExist
    }

    /** One matchExpressions entry; {@code values} is non-empty for In/NotIn and empty otherwise. */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case In -> v != null && values.contains(v);
                // NotIn also matches objects without the label (labels.Selector semantics)
                case NotIn -> v == null || !values.contains(v);
                case Exists -> v != null;
                case DoesNotExist -> v == null;
            };
        }
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }

    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : matchExpressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A canonical text of what the selector selects (labels and expressions sorted, values sorted), so equal
     * selectors written differently share one nftables set.
     */
    public String canonical() {
        StringBuilder sb = new StringBuilder("{");
        new TreeMap<>(matchLabels).forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        matchExpressions.stream()
                .map(r -> r.key() + ' ' + r.operator() + ' ' + r.values().stream().sorted().distinct().collect(Collectors.joining("|")))
                .sorted().distinct()
                .forEach(s -> sb.append(s).append(','));
        return sb.append('}').toString();
    }
}
