package dev.viaduct.ops.config;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A JSON/YAML object being read into config records. Tracks its path so every error names the field
 * ({@code node.labels.rack: must be a string}), and refuses keys nobody reads (typos must not be ignored).
 *
 * <p>Every scalar, list and map setting can also come from the environment, which wins over the file: the
 * variable is {@code VIADUCT_} and the field path in upper snake case ({@code nodeName} →
 * {@code VIADUCT_NODE_NAME}, {@code datastore.endpoints} → {@code VIADUCT_DATASTORE_ENDPOINTS},
 * {@code http.livenessDeadline} → {@code VIADUCT_HTTP_LIVENESS_DEADLINE}). Lists are comma-separated, maps
 * {@code k=v,k2=v2}. This is how a container gets its node name from the Downward API ({@code spec.nodeName})
 * while sharing one ConfigMap with every other node. An error in a value from the environment names the
 * variable and the field ({@code VIADUCT_CNI_MTU (cni.mtu): 70000 is out of range 0..65535}).
 */
public final class ConfigNode {
    private static final String PREFIX = "VIADUCT_";
    private final JsonNode node;
    private final String path;
    private final Map<String, String> env;

    /** A file's object, read without the environment. */
    public ConfigNode(JsonNode node, String path) {
        this(node, path, Map.of());
    }

    /** A file's object (null: absent) with {@code env} as the overlay ({@code System.getenv()} in a process). */
    public ConfigNode(JsonNode node, String path, Map<String, String> env) {
        this.node = node;
        this.path = path;
        this.env = env;
    }

    /** The environment variable that sets the field at {@code path} ({@code datastore.dialTimeout} → {@code VIADUCT_DATASTORE_DIAL_TIMEOUT}). */
    public static String variable(String path) {
        StringBuilder b = new StringBuilder(PREFIX);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '.') {
                b.append('_');
            } else if (Character.isUpperCase(c) && i > 0 && path.charAt(i - 1) != '.') {
                b.append('_').append(c);
            } else {
                b.append(Character.toUpperCase(c));
            }
        }
        return b.toString();
    }

    private String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String fromEnv(String key) {
        return env.get(variable(field(key)));
    }

    /** The field's value: the environment's (as text) or the file's. */
    private JsonNode value(String key) {
        String e = fromEnv(key);
        if (e != null) {
            return JsonNodeFactory.instance.stringNode(e);
        }
        return node.get(key);
    }

    /**
     * How errors name the field {@code key}: its path, and the variable when the value came from the
     * environment.
     */
    public String path(String key) {
        return fromEnv(key) != null ? variable(field(key)) + " (" + field(key) + ")" : field(key);
    }

    public boolean has(String key) {
        return fromEnv(key) != null || node != null && node.has(key) && !node.get(key).isNull();
    }

    public void allowOnly(String... keys) throws ConfigException {
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

    public ConfigNode object(String key) throws ConfigException {
        if (node == null || !node.has(key) || node.get(key).isNull()) {
            return new ConfigNode(null, field(key), env);
        }
        JsonNode n = node.get(key);
        if (!n.isObject()) {
            throw new ConfigException(field(key) + ": must be an object");
        }
        return new ConfigNode(n, field(key), env);
    }

    public String string(String key, String def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = value(key);
        if (!n.isString() && !n.isNumber() && !n.isBoolean()) {
            throw new ConfigException(path(key) + ": must be a string");
        }
        return n.asString();
    }

    public String nonEmpty(String key, String def) throws ConfigException {
        String s = string(key, def);
        if (s == null || s.isBlank()) {
            throw new ConfigException(path(key) + ": must not be empty");
        }
        return s;
    }

    public String oneOf(String key, String def, String... allowed) throws ConfigException {
        String s = string(key, def);
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw new ConfigException(path(key) + ": \"" + s + "\" is not one of " + List.of(allowed));
    }

    public long integer(String key, long def, long min, long max) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        JsonNode n = value(key);
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.longValue();
        } else if (n.isString() && n.stringValue().matches("-?\\d+")) {
            try {
                v = Long.parseLong(n.stringValue());
            } catch (NumberFormatException e) {
                // digits only, so the one way to fail is a value beyond 64 bits
                throw new ConfigException(path(key) + ": " + n.stringValue() + " is out of range " + min + ".." + max);
            }
        } else {
            throw new ConfigException(path(key) + ": must be an integer, got " + n);
        }
        if (v < min || v > max) {
            throw new ConfigException(path(key) + ": " + v + " is out of range " + min + ".." + max);
        }
        return v;
    }

    public boolean bool(String key, boolean def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        String e = fromEnv(key);
        if (e != null && (e.equals("true") || e.equals("false"))) {
            return Boolean.parseBoolean(e);
        }
        JsonNode n = value(key);
        if (!n.isBoolean()) {
            throw new ConfigException(path(key) + ": must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    public java.time.Duration duration(String key, String def) throws ConfigException {
        return Durations.parse(path(key), string(key, def));
    }

    public IpPrefix cidr(String key) throws ConfigException {
        String s = string(key, null);
        try {
            return IpPrefix.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path(key) + ": " + e.getMessage());
        }
    }

    public List<String> strings(String key, List<String> def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        String fromEnv = fromEnv(key);
        if (fromEnv != null) {
            return commaSeparated(fromEnv);
        }
        JsonNode n = value(key);
        if (n.isString()) {
            return List.of(n.stringValue());
        }
        if (!n.isArray()) {
            throw new ConfigException(path(key) + ": must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonNode e : n) {
            if (!e.isString()) {
                throw new ConfigException(path(key) + "[" + i + "]: must be a string, got " + e);
            }
            out.add(e.stringValue());
            i++;
        }
        return out;
    }

    public List<IpPrefix> cidrs(String key, List<IpPrefix> def) throws ConfigException {
        if (!has(key)) {
            return def;
        }
        List<IpPrefix> out = new ArrayList<>();
        List<String> raw = strings(key, List.of());
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(IpPrefix.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(path(key) + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    public Map<String, String> stringMap(String key) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!has(key)) {
            return out;
        }
        String fromEnv = fromEnv(key);
        if (fromEnv != null) {
            for (String pair : commaSeparated(fromEnv)) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException(path(key) + ": \"" + pair + "\" is not key=value");
                }
                out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
            return out;
        }
        JsonNode n = value(key);
        if (!n.isObject()) {
            throw new ConfigException(path(key) + ": must be a map of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().isString() && !e.getValue().isNumber() && !e.getValue().isBoolean()) {
                throw new ConfigException(path(key) + "." + e.getKey() + ": must be a string");
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    /** A list from the environment: comma-separated, blanks around items and empty items ignored. */
    private static List<String> commaSeparated(String text) {
        List<String> out = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                out.add(item.strip());
            }
        }
        return out;
    }
}
