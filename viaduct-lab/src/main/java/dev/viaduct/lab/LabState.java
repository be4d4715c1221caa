package dev.viaduct.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a lab has created, persisted (atomically) before each creation so that {@code down} — from this or
 * another process, or a shutdown hook — can remove everything. Mutable; guarded by the owning {@link Lab}.
 */
public final class LabState {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A process the lab started. {@code startTicks} guards against a recycled pid. */
    public record Proc(String role, String node, long pid, long startTicks, String log) {
    }

    /** A pod: its namespace, CNI container id and the addresses its ADD returned. */
    public record Pod(String node, String name, String namespace, String containerId, List<String> ips) {
    }

    public LabSpec spec;
    public String phase = "creating";
    /** The process that ran {@code up}; a test lab whose owner is gone is abandoned. */
    public long ownerPid = ProcessHandle.current().pid();
    public List<String> namespaces = new ArrayList<>();
    public List<String> hostLinks = new ArrayList<>();
    /** Routes in the root namespace to racks other than the first (via its router). */
    public List<String> hostRoutes = new ArrayList<>();
    public List<Proc> processes = new ArrayList<>();
    /** Image mode: podman containers, by name, recorded before each is created. */
    public List<String> containers = new ArrayList<>();
    public List<Pod> pods = new ArrayList<>();
    public List<String> removedNodes = new ArrayList<>();

    static Path dir(String name) {
        return Path.of(System.getProperty("viaduct.lab.dir", "/run/viaduct/lab"), name);
    }

    static Optional<LabState> load(String name) throws IOException {
        Path f = dir(name).resolve("state.json");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(Files.readString(f), LabState.class));
    }

    void save() {
        Path d = dir(spec.name());
        try {
            Files.createDirectories(d);
            Path tmp = d.resolve("state.json.tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            Files.move(tmp, d.resolve("state.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write lab state in " + d, e);
        }
    }
}
