package dev.viaduct.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to reach etcd: endpoints ({@code http://host:port} or {@code https://host:port}), the key prefix,
 * TLS (CA to verify the server; client certificate and key when etcd requires client certificates),
 * username/password (etcd RBAC), how long to wait for a connection and for each request.
 *
 * <p>Built from the agent's YAML config; the compact constructor checks everything and names the bad field
 * ({@code etcd.endpoints[1]: ...}) so a config error is reported before anything connects.
 */
public record StoreOptions(
        List<String> endpoints,
        String prefix,
        Path caFile,
        Path certFile,
        Path keyFile,
        String username,
        String password,
        Duration dialTimeout,
        Duration requestTimeout) {

    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public StoreOptions {
        Objects.requireNonNull(endpoints, "etcd.endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd.endpoints: at least one endpoint is needed (e.g. http://127.0.0.1:2379)");
        }
        endpoints = List.copyOf(endpoints);
        boolean anyHttps = false;
        for (int i = 0; i < endpoints.size(); i++) {
            String e = endpoints.get(i);
            URI u;
            try {
                u = new URI(e);
            } catch (Exception ex) {
                throw new IllegalArgumentException("etcd.endpoints[" + i + "]: '" + e + "' is not a URL (want http(s)://host:port)");
            }
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getPort() <= 0 || !(u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/"))) {
                throw new IllegalArgumentException("etcd.endpoints[" + i + "]: '" + e + "' is not http(s)://host:port");
            }
            boolean https = "https".equals(u.getScheme());
            if (i > 0 && https != anyHttps) {
                throw new IllegalArgumentException("etcd.endpoints: mixes http and https endpoints");
            }
            anyHttps = https;
        }
        prefix = prefix == null ? Keys.DEFAULT_PREFIX : prefix;
        new Keys(prefix); // validates, with a message naming "prefix"
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("etcd.tls: certFile and keyFile go together (client certificate and its key)");
        }
        if (!anyHttps && (caFile != null || certFile != null)) {
            throw new IllegalArgumentException("etcd.tls: TLS files are set but the endpoints are http://, use https://");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("etcd.username/etcd.password: both or neither");
        }
        if (username != null && username.isEmpty()) {
            throw new IllegalArgumentException("etcd.username: must not be empty");
        }
        dialTimeout = positive("etcd.dialTimeout", dialTimeout, DEFAULT_DIAL_TIMEOUT);
        requestTimeout = positive("etcd.requestTimeout", requestTimeout, DEFAULT_REQUEST_TIMEOUT);
    }

    /** Plain http endpoints, default prefix and timeouts. */
    public static StoreOptions of(List<String> endpoints) {
        return new StoreOptions(endpoints, null, null, null, null, null, null, null, null);
    }

    /** Whether the endpoints use TLS. */
    public boolean tls() {
        return endpoints.getFirst().startsWith("https:");
    }

    /** The key layout for this prefix. */
    public Keys keys() {
        return new Keys(prefix);
    }

    public StoreOptions withEndpoints(List<String> e) {
        return new StoreOptions(e, prefix, caFile, certFile, keyFile, username, password, dialTimeout, requestTimeout);
    }

    public StoreOptions withPrefix(String p) {
        return new StoreOptions(endpoints, p, caFile, certFile, keyFile, username, password, dialTimeout, requestTimeout);
    }

    public StoreOptions withTls(Path ca, Path cert, Path key) {
        return new StoreOptions(endpoints, prefix, ca, cert, key, username, password, dialTimeout, requestTimeout);
    }

    public StoreOptions withCredentials(String user, String pass) {
        return new StoreOptions(endpoints, prefix, caFile, certFile, keyFile, user, pass, dialTimeout, requestTimeout);
    }

    public StoreOptions withTimeouts(Duration dial, Duration request) {
        return new StoreOptions(endpoints, prefix, caFile, certFile, keyFile, username, password, dial, request);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>(List.of("endpoints=" + endpoints, "prefix=" + prefix));
        if (caFile != null) {
            parts.add("caFile=" + caFile);
        }
        if (certFile != null) {
            parts.add("certFile=" + certFile + " keyFile=" + keyFile);
        }
        if (username != null) {
            parts.add("username=" + username + " password=***");
        }
        parts.add("dialTimeout=" + dialTimeout + " requestTimeout=" + requestTimeout);
        return "StoreOptions[" + String.join(", ", parts) + "]";
    }

    private static Duration positive(String field, Duration d, Duration dflt) {
        if (d == null) {
            return dflt;
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + ": must be positive, got " + d);
        }
        return d;
    }
}
