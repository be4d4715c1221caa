package dev.viaduct.agent.config;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A JSON/YAML object being read into config records. Tracks its path so every error names the field
 * ({@code node.labels.rack: must be a string}), and refuses keys nobody reads (typos must not be ignored).
 */
final class ConfigNode {
    private final JsonNode node;
    private final String path;

    ConfigNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    private String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return node != null && node.has(key) && !node.get(key).isNull();
    }

    void allowOnly(String... keys) throws ConfigException {
        if (node == null) {
            return;
        }
        Set<String> ok = Set.of(keys);
        for (String k : node.propertyNames()) {
            if (!ok.contains(k)) {
                throw new ConfigException(field(k) + ": unknown field (known: " + String.join(", ", keys) + ")");
            }
        }
    }

    ConfigNode object(String key) throws ConfigException {
        if (!has(key)) {
            return new ConfigNode(null, field(key));
        }
        JsonNode n = node.get(key);
        if (!n.isObject()) {
            throw new ConfigException(field(key) + ": must be an object");
        }
        return new ConfigNode(n, field(key));
    }

    String string(String key, String def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = node.get(key);
        if (!n.isString() && !n.isNumber() && !n.isBoolean()) {
            throw new ConfigException(field(key) + ": must be a string");
        }
        return n.asString();
    }

    String nonEmpty(String key, String def) throws ConfigException {
        String s = string(key, def);
        if (s == null || s.isBlank()) {
            throw new ConfigException(field(key) + ": must not be empty");
        }
        return s;
    }

    String oneOf(String key, String def, String... allowed) throws ConfigException {
        String s = string(key, def);
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw new ConfigException(field(key) + ": \"" + s + "\" is not one of " + List.of(allowed));
    }

    long integer(String key, long def, long min, long max) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = node.get(key);
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.longValue();
        } else if (n.isString() && n.stringValue().matches("-?\\d+")) {
            try {
                v = Long.parseLong(n.stringValue());
            } catch (NumberFormatException e) {
                // digits only, so the one way to fail is a value beyond 64 bits
                throw new ConfigException(field(key) + ": " + n.stringValue() + " is out of range " + min + ".." + max);
            }
        } else {
            throw new ConfigException(field(key) + ": must be an integer, got " + n);
        }
        if (v < min || v > max) {
            throw new ConfigException(field(key) + ": " + v + " is out of range " + min + ".." + max);
        }
        return v;
    }

    boolean bool(String key, boolean def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = node.get(key);
        if (!n.isBoolean()) {
            throw new ConfigException(field(key) + ": must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    java.time.Duration duration(String key, String def) throws ConfigException {
        return Durations.parse(field(key), string(key, def));
    }

    IpPrefix cidr(String key) throws ConfigException {
        String s = string(key, null);
        try {
            return IpPrefix.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(field(key) + ": " + e.getMessage());
        }
    }

    List<String> strings(String key, List<String> def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = node.get(key);
        if (n.isString()) {
            return List.of(n.stringValue());
        }
        if (!n.isArray()) {
            throw new ConfigException(field(key) + ": must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonNode e : n) {
            if (!e.isString()) {
                throw new ConfigException(field(key) + "[" + i + "]: must be a string, got " + e);
            }
            out.add(e.stringValue());
            i++;
        }
        return out;
    }

    List<IpPrefix> cidrs(String key, List<IpPrefix> def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        List<IpPrefix> out = new ArrayList<>();
        List<String> raw = strings(key, List.of());
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(IpPrefix.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(field(key) + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    Map<String, String> stringMap(String key) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!has(key)) {
            return out;
        }
        JsonNode n = node.get(key);
        if (!n.isObject()) {
            throw new ConfigException(field(key) + ": must be a map of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().isString() && !e.getValue().isNumber() && !e.getValue().isBoolean()) {
                throw new ConfigException(field(key) + "." + e.getKey() + ": must be a string");
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    String path(String key) {
        return field(key);
    }
}
