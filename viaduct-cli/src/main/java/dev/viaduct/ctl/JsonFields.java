package dev.viaduct.ctl;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of an agent's {@code /status} with errors that name the field's path
 * ({@code kernelRoutes[3].nextHops[0].gateway: "x" is not an IP address}), so a version mismatch between
 * {@code ctl} and an agent is reported precisely instead of as a Jackson stack trace. Optional fields read as
 * their defaults; required ones throw {@link IllegalArgumentException}.
 */
final class JsonFields {
    private final JsonNode node;
    private final String path;

    JsonFields(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    String string(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(path(field) + ": missing");
        }
        if (!v.isString()) {
            throw new IllegalArgumentException(path(field) + ": expected a string, got " + v.getNodeType().name().toLowerCase());
        }
        return v.asString();
    }

    String string(String field, String dflt) {
        return has(field) ? string(field) : dflt;
    }

    long number(String field, long dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException(path(field) + ": expected an integer, got " + v);
        }
        return v.asLong();
    }

    boolean bool(String field, boolean dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonNode v = node.get(field);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(path(field) + ": expected true or false, got " + v);
        }
        return v.asBoolean();
    }

    IpPrefix cidr(String field) {
        String s = string(field);
        try {
            return IpPrefix.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path(field) + ": " + e.getMessage());
        }
    }

    Optional<InetAddress> address(String field) {
        if (!has(field)) {
            return Optional.empty();
        }
        String s = string(field);
        try {
            return Optional.of(IpAddresses.parse(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path(field) + ": " + e.getMessage());
        }
    }

    List<String> strings(String field) {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonFields f : array(field)) {
            if (!f.node.isString()) {
                throw new IllegalArgumentException(path(field) + "[" + i + "]: expected a string");
            }
            out.add(f.node.asString());
            i++;
        }
        return out;
    }

    /** The elements of an array field (empty when absent). */
    List<JsonFields> array(String field) {
        if (!has(field)) {
            return List.of();
        }
        JsonNode v = node.get(field);
        if (!v.isArray()) {
            throw new IllegalArgumentException(path(field) + ": expected an array");
        }
        List<JsonFields> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(new JsonFields(v.get(i), path(field) + "[" + i + "]"));
        }
        return out;
    }

    /** Each element of an array field decoded by {@code decode}. */
    <T> List<T> list(String field, java.util.function.Function<JsonFields, T> decode) {
        List<T> out = new ArrayList<>();
        for (JsonFields f : array(field)) {
            if (!f.node.isObject()) {
                throw new IllegalArgumentException(f.path + ": expected an object");
            }
            out.add(decode.apply(f));
        }
        return out;
    }

    /** An object field of string values (empty when absent). */
    Map<String, String> stringMap(String field) {
        return map(field, (k, v) -> {
            if (!v.isString()) {
                throw new IllegalArgumentException(path(field) + "." + k + ": expected a string");
            }
            return v.asString();
        });
    }

    private <T> Map<String, T> map(String field, BiFunction<String, JsonNode, T> value) {
        Map<String, T> out = new LinkedHashMap<>();
        if (!has(field)) {
            return out;
        }
        JsonNode v = node.get(field);
        if (!v.isObject()) {
            throw new IllegalArgumentException(path(field) + ": expected an object");
        }
        for (var e : v.properties()) {
            out.put(e.getKey(), value.apply(e.getKey(), e.getValue()));
        }
        return out;
    }
}
