package dev.viaduct.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A container runtime's CNI side, as libcni does it: reads a {@code .conflist}, execs each plugin binary
 * (found on CNI_PATH by its {@code type}) with the CNI environment and the plugin's network configuration on
 * stdin, chains {@code prevResult}, passes {@code runtimeConfig} only for declared capabilities, caches the
 * ADD result for DEL and CHECK, and runs DEL in reverse order. Plugins run inside the node's network
 * namespace ({@code ip netns exec}), as they would on a real node.
 *
 * <p>Thread-safe: no mutable state besides the cache files (one per attachment).
 */
public final class CniRuntime {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final java.util.concurrent.Executor READERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    private final ObjectNode conflist;
    private final List<Path> pluginDirs;
    private final Path cacheDir;
    private final String nodeNamespace;

    /** A plugin failed: the CNI error object it printed (or a synthesised one). */
    public static final class CniFailure extends Exception {
        private final int code;
        private final String plugin;
        private final String output;

        CniFailure(String plugin, int code, String message, String output) {
            super(plugin + ": " + message + " (code " + code + ")");
            this.code = code;
            this.plugin = plugin;
            this.output = output;
        }

        public int code() {
            return code;
        }

        public String plugin() {
            return plugin;
        }

        /** Everything the plugin printed on stdout. */
        public String output() {
            return output;
        }
    }

    /** One plugin execution: for benchmarks and tests. */
    public record Exec(String plugin, String command, int exitCode, String stdout, String stderr, long nanos) {
    }

    public CniRuntime(Path conflistFile, List<Path> pluginDirs, Path cacheDir, String nodeNamespace) throws IOException {
        this(JSON.readTree(Files.readString(conflistFile)), conflistFile.toString(), pluginDirs, cacheDir, nodeNamespace);
    }

    /** A runtime for a configuration list already read (from {@code source}, named in errors). */
    public CniRuntime(JsonNode conflist, String source, List<Path> pluginDirs, Path cacheDir, String nodeNamespace) throws IOException {
        if (!(conflist instanceof ObjectNode o) || !o.path("plugins").isArray()) {
            throw new IOException(source + ": not a CNI network configuration list");
        }
        this.conflist = o;
        this.pluginDirs = List.copyOf(pluginDirs);
        this.cacheDir = cacheDir;
        this.nodeNamespace = nodeNamespace;
        Files.createDirectories(cacheDir);
    }

    public String networkName() {
        return conflist.path("name").asString();
    }

    /** Runs ADD through the chain; returns the final result (cached for DEL/CHECK). */
    public JsonNode add(String containerId, String netns, String ifname, String cniArgs, ObjectNode runtimeConfig)
            throws CniFailure, IOException {
        JsonNode prev = null;
        for (JsonNode plugin : conflist.path("plugins")) {
            Exec e = exec(plugin, "ADD", containerId, netns, ifname, cniArgs, runtimeConfig, prev);
            prev = JSON.readTree(e.stdout());
        }
        Files.writeString(cacheFile(containerId, ifname), prev.toString());
        // like libcni's cache: DEL gets the same runtime config (e.g. portMappings) as ADD did
        Path rcFile = runtimeConfigFile(containerId, ifname);
        if (runtimeConfig != null) {
            Files.writeString(rcFile, runtimeConfig.toString());
        } else {
            Files.deleteIfExists(rcFile);
        }
        return prev;
    }

    /** Runs DEL in reverse order with the cached result; removes the cache entry on success. */
    public void del(String containerId, String netns, String ifname, String cniArgs, ObjectNode runtimeConfig)
            throws CniFailure, IOException {
        Path cache = cacheFile(containerId, ifname);
        JsonNode prev = Files.exists(cache) ? JSON.readTree(Files.readString(cache)) : null;
        Path rcFile = runtimeConfigFile(containerId, ifname);
        if (runtimeConfig == null && Files.exists(rcFile)) {
            runtimeConfig = (ObjectNode) JSON.readTree(Files.readString(rcFile));
        }
        List<JsonNode> plugins = new ArrayList<>();
        conflist.path("plugins").forEach(plugins::add);
        for (int i = plugins.size() - 1; i >= 0; i--) {
            exec(plugins.get(i), "DEL", containerId, netns, ifname, cniArgs, runtimeConfig, prev);
        }
        Files.deleteIfExists(cache);
        Files.deleteIfExists(rcFile);
    }

    /** Runs CHECK through the chain with the cached ADD result. */
    public void check(String containerId, String netns, String ifname) throws CniFailure, IOException {
        JsonNode prev = JSON.readTree(Files.readString(cacheFile(containerId, ifname)));
        for (JsonNode plugin : conflist.path("plugins")) {
            exec(plugin, "CHECK", containerId, netns, ifname, "", null, prev);
        }
    }

    /** STATUS of the first plugin (the one that owns the network). */
    public void status() throws CniFailure, IOException {
        exec(conflist.path("plugins").get(0), "STATUS", "", "", "", "", null, null);
    }

    /** GC with the attachments the runtime still knows, as (containerID, ifname) pairs. */
    public void gc(List<String[]> valid) throws CniFailure, IOException {
        ObjectNode extra = JSON.createObjectNode();
        ArrayNode a = extra.putArray("cni.dev/valid-attachments");
        for (String[] v : valid) {
            a.addObject().put("containerID", v[0]).put("ifname", v[1]);
        }
        exec(conflist.path("plugins").get(0), "GC", "", "", "", "", null, null, extra);
    }

    /** The cached ADD result of an attachment, if any. */
    public JsonNode cachedResult(String containerId, String ifname) throws IOException {
        Path p = cacheFile(containerId, ifname);
        return Files.exists(p) ? JSON.readTree(Files.readString(p)) : null;
    }

    private Path runtimeConfigFile(String containerId, String ifname) {
        return cacheDir.resolve(networkName() + "-" + containerId + "-" + ifname + ".runtimeconfig.json");
    }

    private Path cacheFile(String containerId, String ifname) {
        return cacheDir.resolve(networkName() + "-" + containerId + "-" + ifname + ".json");
    }

    Exec exec(JsonNode plugin, String command, String containerId, String netns, String ifname, String cniArgs,
            ObjectNode runtimeConfig, JsonNode prev) throws CniFailure, IOException {
        return exec(plugin, command, containerId, netns, ifname, cniArgs, runtimeConfig, prev, null);
    }

    private Exec exec(JsonNode plugin, String command, String containerId, String netns, String ifname, String cniArgs,
            ObjectNode runtimeConfig, JsonNode prev, ObjectNode extra) throws CniFailure, IOException {
        ObjectNode conf = ((ObjectNode) plugin).deepCopy();
        conf.put("name", networkName());
        conf.put("cniVersion", conflist.path("cniVersion").asString());
        if (prev != null) {
            conf.set("prevResult", prev);
        }
        if (runtimeConfig != null) {
            ObjectNode rc = JSON.createObjectNode();
            for (var e : runtimeConfig.properties()) {
                if (plugin.path("capabilities").path(e.getKey()).asBoolean(false)) {
                    rc.set(e.getKey(), e.getValue());
                }
            }
            if (!rc.isEmpty()) {
                conf.set("runtimeConfig", rc);
            }
        }
        if (extra != null) {
            extra.properties().forEach(e -> conf.set(e.getKey(), e.getValue()));
        }
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        if (!containerId.isEmpty()) {
            env.put("CNI_CONTAINERID", containerId);
        }
        if (!netns.isEmpty()) {
            env.put("CNI_NETNS", netns);
        }
        if (!ifname.isEmpty()) {
            env.put("CNI_IFNAME", ifname);
        }
        if (!cniArgs.isEmpty()) {
            env.put("CNI_ARGS", cniArgs);
        }
        env.put("CNI_PATH", String.join(":", pluginDirs.stream().map(Path::toString).toList()));
        String type = plugin.path("type").asString();
        return run(type, findPlugin(type), command, env, conf.toString());
    }

    /** Execs {@code binary} as the runtime would; exposed for tests feeding raw configs and environments. */
    public Exec run(String type, Path binary, String command, Map<String, String> env, String stdin)
            throws CniFailure, IOException {
        List<String> argv = new ArrayList<>();
        if (nodeNamespace != null) {
            argv.addAll(List.of("ip", "netns", "exec", nodeNamespace));
        }
        argv.add(binary.toString());
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        // readers on virtual threads: on the common pool (1 thread on 2 cores) a burst of plugin calls would
        // wait for each other's pipes
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniFailure(type, 11, command + " did not finish within 120 s", "");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + type);
        }
        Exec e = new Exec(type, command, p.exitValue(), out.join(), err.join(), System.nanoTime() - t0);
        if (e.exitCode() != 0) {
            int code = 999;
            String msg = e.stdout().strip() + " " + e.stderr().strip();
            try {
                JsonNode j = JSON.readTree(e.stdout());
                code = j.path("code").asInt(999);
                msg = j.path("msg").asString("") + (j.has("details") ? ": " + j.path("details").asString() : "");
            } catch (RuntimeException ignored) {
                // not JSON: keep the raw output in the message
            }
            throw new CniFailure(type, code, command + " failed: " + msg, e.stdout());
        }
        return e;
    }

    private Path findPlugin(String type) throws CniFailure {
        for (Path d : pluginDirs) {
            Path p = d.resolve(type);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new CniFailure(type, 999, "plugin '" + type + "' not found on CNI_PATH " + pluginDirs, "");
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
