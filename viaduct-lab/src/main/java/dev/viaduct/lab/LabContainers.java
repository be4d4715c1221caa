package dev.viaduct.lab;

import dev.viaduct.lab.manifest.Manifest;
import dev.viaduct.lab.manifest.NodeHost;
import dev.viaduct.lab.manifest.PodmanRun;
import dev.viaduct.netlink.NetNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Image mode: each lab node runs the node pod of deploy/kubernetes/viaduct.yaml (its DaemonSet {@code viaduct-node})
 * with podman, as kubelet would — the init containers to completion, then every container detached — inside
 * the node's network namespace, each container's command, env, mounts and privileges taken from the manifest
 * by {@link PodmanRun}. The node's host paths are per-node directories under the lab's state directory
 * ({@code <node>/host/...}), except what the kernel shares between "nodes" on this machine: network namespace
 * mounts and kernel modules ({@link #KERNEL_SHARED}).
 *
 * <p>Every container is named {@code <lab prefix><node>-<container>}, labelled {@code dev.viaduct.lab=<lab>}
 * and recorded in the {@link LabState} before it is created, so teardown removes it even after a failure, and a
 * lab whose state file was lost is swept by label. A running container's main process is recorded as a
 * {@link LabState.Proc} with the container's name as role, so the lab's process checks (alive, stop, kill)
 * apply to it unchanged.
 *
 * <p>Concurrency: used by the lab's one building or testing thread; state changes under the state's monitor.
 */
final class LabContainers {
    /** Label on every container of a lab; its value is the lab's name. */
    static final String LABEL = "dev.viaduct.lab";
    /** Host paths that are the machine's own in every lab node: the kernel's, not a node's files. */
    static final Set<String> KERNEL_SHARED = Set.of("/var/run/netns", "/run/netns", "/lib/modules");
    /** The ConfigMap the agent's configuration comes from. */
    static final String CONFIG_MAP = "viaduct-config";

    private final LabState state;
    private final Path dir;
    private Manifest manifest;

    LabContainers(LabState state, Path dir) {
        this.state = state;
        this.dir = dir;
    }

    private PodSpec pod() throws IOException {
        if (manifest == null) {
            manifest = Manifest.bundled();
        }
        return manifest.nodeDaemonSet().getSpec().getTemplate().getSpec();
    }

    /** The node's root for host paths ({@code /opt/cni/bin} of n1 is {@code <lab>/n1/host/opt/cni/bin}). */
    Path nodeRoot(String node) {
        return dir.resolve(node).resolve("host");
    }

    /**
     * Where node's host path {@code path} is on this machine: the machine's own for {@link #KERNEL_SHARED} paths
     * that exist here (a machine without modules installed gets an empty per-node {@code /lib/modules}).
     */
    static String hostPath(Path nodeRoot, String path) {
        return KERNEL_SHARED.contains(path) && Files.isDirectory(Path.of(path)) ? path : nodeRoot + path;
    }

    /** The directory holding ConfigMap {@code name}'s keys as files for {@code node}'s pod. */
    Path configMapDir(String node, String name) {
        return dir.resolve(node).resolve("configmap").resolve(name);
    }

    String containerName(String node, String container) {
        return state.spec.prefix() + node + "-" + container;
    }

    private NodeHost host(String node) {
        Path root = nodeRoot(node);
        return new NodeHost(node, state.spec.nodeAddress(Integer.parseInt(node.substring(1))), Manifest.NODE_DAEMONSET + "-" + node,
                NetNamespace.pathOf(state.spec.nodeNs(node)), p -> hostPath(root, p), Map.of(CONFIG_MAP, configMapDir(node, CONFIG_MAP)));
    }

    /**
     * Runs the node pod on {@code node}: creates its per-node host directories, runs every init container to
     * completion (install-cni), then starts the containers in order, each once the previous one runs (bfdd before
     * the agent, which connects to bfdd's socket). The agent's configuration must be in {@link #configMapDir}.
     */
    void startNode(String node) throws IOException {
        PodSpec pod = pod();
        for (Volume v : pod.getVolumes()) {
            String path = v.getHostPath() == null ? null : v.getHostPath().getPath();
            if (path != null && !hostPath(nodeRoot(node), path).equals(path)) {
                Files.createDirectories(Path.of(hostPath(nodeRoot(node), path)));
            }
        }
        for (Container c : pod.getInitContainers()) {
            String name = containerName(node, c.getName());
            record(name);
            Result r = podman(Duration.ofMinutes(3), PodmanRun.argv(pod, c, host(node), state.spec.image(),
                    List.of("--rm", "--name=" + name, "--label=" + LABEL + "=" + state.spec.name())));
            if (r.exitCode() != 0) {
                throw new IOException("init container " + c.getName() + " on " + node + " exited " + r.exitCode() + ": " + r.output().strip());
            }
        }
        for (Container c : pod.getContainers()) {
            start(node, c.getName());
        }
    }

    /** Starts (or starts again, replacing the old one) container {@code container} of node's pod. */
    LabState.Proc start(String node, String container) throws IOException {
        PodSpec pod = pod();
        Container c = pod.getContainers().stream().filter(x -> x.getName().equals(container)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the node pod has no container " + container));
        String name = containerName(node, container);
        record(name);
        podman(Duration.ofMinutes(1), List.of("podman", "rm", "--force", "--ignore", "--time=5", name));
        Path log = dir.resolve(node).resolve(container + ".log");
        Files.createDirectories(log.getParent());
        Result r = podman(Duration.ofMinutes(2), PodmanRun.argv(pod, c, host(node), state.spec.image(), List.of("--detach",
                "--name=" + name, "--label=" + LABEL + "=" + state.spec.name(), "--log-driver=k8s-file", "--log-opt=path=" + log)));
        if (r.exitCode() != 0) {
            throw new IOException("container " + container + " on " + node + " did not start: " + r.output().strip());
        }
        Result pid = podman(Duration.ofSeconds(30), List.of("podman", "inspect", "--format", "{{.State.Pid}}", name));
        long p = pid.exitCode() == 0 ? Long.parseLong(pid.output().strip()) : 0;
        if (p <= 0) {
            throw new IOException("container " + container + " on " + node + " exited at once; its log:\n" + LabDaemons.tail(log, 15));
        }
        LabState.Proc proc = new LabState.Proc(container, node, p, LabProcesses.startTicks(p).orElse(0L), log.toString());
        synchronized (state) {
            state.processes.removeIf(x -> x.role().equals(container) && x.node().equals(node));
            state.processes.add(proc);
            state.save();
        }
        awaitSockets(node, c, proc);
        return proc;
    }

    /**
     * Waits until the unix sockets a container says it serves ({@code --socket PATH} in its args, as bfdd's) exist
     * on the node's host path, so the next container finds them — what a readiness gate would do in a cluster.
     * Fails at once, with its log, if the container exits meanwhile.
     */
    private void awaitSockets(String node, Container c, LabState.Proc proc) throws IOException {
        List<String> args = Optional.ofNullable(c.getArgs()).orElse(List.of());
        int i = args.indexOf("--socket");
        if (i < 0 || i + 1 >= args.size()) {
            return;
        }
        Path onHost = onHost(node, c, args.get(i + 1));
        LabDaemons.await(c.getName() + " on " + node + " to create " + args.get(i + 1), Duration.ofSeconds(60), () -> {
            if (!LabProcesses.alive(proc)) {
                throw new IllegalStateException(c.getName() + " on " + node + " exited; last log lines:\n"
                        + LabDaemons.tail(Path.of(proc.log()), 15));
            }
            return Files.exists(onHost);
        });
    }

    /** A path inside container {@code c} as the host sees it, through the hostPath mount that holds it. */
    Path onHost(String node, Container c, String containerPath) throws IOException {
        PodSpec pod = pod();
        VolumeMount m = c.getVolumeMounts().stream().filter(x -> Path.of(containerPath).startsWith(x.getMountPath()))
                .max(Comparator.comparingInt(x -> x.getMountPath().length()))
                .orElseThrow(() -> new IllegalArgumentException(c.getName() + ": " + containerPath + " is on no volume"));
        Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
        if (v.getHostPath() == null) {
            throw new IllegalArgumentException(c.getName() + ": " + containerPath + " is not on a hostPath volume");
        }
        String rel = Path.of(m.getMountPath()).relativize(Path.of(containerPath)).toString();
        return Path.of(hostPath(nodeRoot(node), v.getHostPath().getPath())).resolve(rel);
    }

    private void record(String name) {
        synchronized (state) {
            if (!state.containers.contains(name)) {
                state.containers.add(name);
                state.save();
            }
        }
    }

    /**
     * Removes the lab's containers: those recorded and any other labelled with the lab's name (a state file
     * saved before its last container was recorded, or lost). Returns what could not be removed.
     */
    static List<String> removeAll(String lab, List<String> recorded) {
        List<String> problems = new ArrayList<>();
        if (recorded.isEmpty() && !podmanInstalled()) {
            return problems;
        }
        List<String> names = new ArrayList<>(recorded);
        Result listed = podman(Duration.ofSeconds(30), List.of("podman", "ps", "--all", "--filter", "label=" + LABEL + "=" + lab,
                "--format", "{{.Names}}"));
        if (listed.exitCode() == 0) {
            listed.output().lines().map(String::strip).filter(s -> !s.isEmpty() && !names.contains(s)).forEach(names::add);
        }
        if (names.isEmpty()) {
            return problems;
        }
        List<String> rm = new ArrayList<>(List.of("podman", "rm", "--force", "--ignore", "--time=0"));
        rm.addAll(names);
        Result r = podman(Duration.ofMinutes(2), rm);
        if (r.exitCode() != 0) {
            problems.add("podman rm " + names + ": " + r.output().strip());
        }
        Result left = podman(Duration.ofSeconds(30), List.of("podman", "ps", "--all", "--filter", "label=" + LABEL + "=" + lab,
                "--format", "{{.Names}}"));
        if (left.exitCode() == 0 && !left.output().isBlank()) {
            problems.add("containers left: " + left.output().strip().replace('\n', ' '));
        }
        return problems;
    }

    static boolean podmanInstalled() {
        for (String d : Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "podman"))) {
                return true;
            }
        }
        return false;
    }

    /** A podman command's exit code and output (stdout and stderr together). */
    record Result(int exitCode, String output) {
    }

    private static Result podman(Duration timeout, List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", argv) + ": no answer within " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out.join());
        } catch (IOException e) {
            return new Result(-1, String.join(" ", argv) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, String.join(" ", argv) + ": interrupted");
        }
    }
}
