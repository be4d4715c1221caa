package dev.viaduct.kube;

import dev.viaduct.ops.config.ConfigException;
import dev.viaduct.ops.config.ConfigNode;
import dev.viaduct.store.StoreOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Everything {@code viaduct kube-controllers --config FILE} reads; every key can also come from a
 * {@code VIADUCT_*} variable (the environment wins, see {@link ConfigNode}):
 * <pre>
 * podName: viaduct-kube-controllers-5d9f-x2   # the Lease identity (VIADUCT_POD_NAME; default: the host name)
 * kubeconfig: /path/to/kubeconfig             # default: in-cluster service account, else ~/.kube/config
 * datastore: {endpoints: [http://etcd:2379], prefix: /viaduct/v1, caFile, certFile, keyFile, username, password, dialTimeout: 5s}
 * leaderElection: {namespace: viaduct-system, leaseName: viaduct-kube-controllers, leaseDuration: 15s, renewDeadline: 10s, retryPeriod: 2s}
 * podGc: {grace: 5m, interval: 1m}
 * http: {listen: "0.0.0.0:9098", livenessDeadline: 60s}   # empty listen: off
 * log: {format: keyvalue|json, level: debug|info|warning|error}
 * </pre>
 */
public record KubeControllersConfig(Optional<Path> kubeconfig, StoreOptions datastore, KubeControllersOptions options,
        Optional<String> httpHost, int httpPort, Duration livenessDeadline, String logFormat, String logLevel) {

    public static KubeControllersConfig load(Optional<Path> file, Map<String, String> env) throws ConfigException {
        JsonNode root = JsonMapper.builder().build().createObjectNode();
        if (file.isPresent()) {
            Path f = file.get();
            try {
                ObjectMapper m = f.getFileName().toString().endsWith(".json") ? JsonMapper.builder().build() : YAMLMapper.builder().build();
                root = m.readTree(Files.readString(f));
            } catch (IOException e) {
                throw new ConfigException(f + ": cannot read: " + e.getMessage());
            } catch (JacksonException e) {
                throw new ConfigException(f + ": not valid YAML/JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw new ConfigException(f + ": the top level must be a map of settings");
            }
        }
        try {
            return read(new ConfigNode(root, "", env));
        } catch (ConfigException e) {
            throw file.isPresent() ? new ConfigException(file.get() + ": " + e.getMessage()) : e;
        }
    }

    private static KubeControllersConfig read(ConfigNode r) throws ConfigException {
        r.allowOnly("podName", "kubeconfig", "datastore", "leaderElection", "podGc", "http", "log");
        String identity = r.nonEmpty("podName", hostname());
        Optional<Path> kubeconfig = Optional.ofNullable(r.string("kubeconfig", null)).filter(s -> !s.isBlank()).map(Path::of);

        ConfigNode d = r.object("datastore");
        d.allowOnly("endpoints", "prefix", "caFile", "certFile", "keyFile", "username", "password", "dialTimeout");
        StoreOptions store;
        try {
            store = new StoreOptions(d.strings("endpoints", java.util.List.of()), d.string("prefix", null), path(d, "caFile"),
                    path(d, "certFile"), path(d, "keyFile"), d.string("username", null), d.string("password", null),
                    d.duration("dialTimeout", "5s"), null);
        } catch (IllegalArgumentException e) {
            // StoreOptions names its fields etcd.*: say where they come from here
            throw new ConfigException(e.getMessage().replace("etcd.", "datastore.")
                    + (e.getMessage().contains("endpoint") ? " (" + d.path("endpoints") + ")" : ""));
        }

        ConfigNode le = r.object("leaderElection");
        le.allowOnly("namespace", "leaseName", "leaseDuration", "renewDeadline", "retryPeriod");
        ConfigNode gc = r.object("podGc");
        gc.allowOnly("grace", "interval");
        KubeControllersOptions options;
        try {
            options = new KubeControllersOptions(le.nonEmpty("namespace", KubeControllersOptions.DEFAULT_NAMESPACE),
                    le.nonEmpty("leaseName", KubeControllersOptions.DEFAULT_LEASE), identity, le.duration("leaseDuration", "15s"),
                    le.duration("renewDeadline", "10s"), le.duration("retryPeriod", "2s"), true, gc.duration("grace", "5m"),
                    gc.duration("interval", "1m"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }

        ConfigNode h = r.object("http");
        h.allowOnly("listen", "livenessDeadline");
        String listen = h.string("listen", "0.0.0.0:9098");
        Duration liveness = h.duration("livenessDeadline", "60s");
        Optional<String> host = Optional.empty();
        int port = 0;
        if (!listen.isBlank()) {
            int colon = listen.lastIndexOf(':');
            try {
                port = colon < 0 ? -1 : Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(h.path("listen") + ": \"" + listen + "\" must be host:port (or empty to disable)");
            }
            host = Optional.of(listen.substring(0, colon));
        }
        ConfigNode l = r.object("log");
        l.allowOnly("format", "level");
        return new KubeControllersConfig(kubeconfig, store, options, host, port, liveness, l.oneOf("format", "keyvalue", "keyvalue", "json"),
                l.oneOf("level", "info", "debug", "info", "warning", "error"));
    }

    private static Path path(ConfigNode n, String key) throws ConfigException {
        String v = n.string(key, null);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** A pod's host name is its name (the Deployment's pods set VIADUCT_POD_NAME too). */
    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase();
        } catch (IOException e) {
            return "kube-controllers";
        }
    }
}
