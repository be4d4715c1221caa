package dev.viaduct.lab.manifest;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One container of a pod spec as a {@code podman run} command line on a lab node, doing what kubelet and the
 * container runtime do with the fields the node pod uses:
 * <ul>
 *   <li>{@code hostNetwork: true} → {@code --network ns:NETNS} (the node's namespace is the pod's network);
 *   <li>{@code command}/{@code args} → {@code --entrypoint} and the arguments after the image;
 *   <li>{@code env} values, and {@code fieldRef} of {@code spec.nodeName}, {@code status.hostIP},
 *       {@code status.podIP} and {@code metadata.name|namespace} → {@code -e NAME=VALUE};
 *   <li>hostPath volumes → bind mounts of the {@link NodeHost}'s path, {@code ro} when read-only, propagation
 *       {@code HostToContainer} → {@code rslave} and {@code Bidirectional} → {@code rshared} (the CRI's mapping);
 *       ConfigMap volumes → the lab's directory for it, read-only; a Secret volume marked optional that the lab
 *       does not have is left out, as kubelet mounts an empty directory for it;
 *   <li>{@code securityContext}: {@code privileged}, capabilities dropped then added, {@code runAsUser},
 *       {@code readOnlyRootFilesystem}, {@code allowPrivilegeEscalation: false} and the seccomp profile.
 * </ul>
 * Anything else the lab cannot honour (a non-host network, a volume kind it does not know, an env source it
 * cannot resolve) fails naming the container and the field, rather than running something else.
 */
public final class PodmanRun {
    private PodmanRun() {
    }

    /**
     * {@code podman run [runOptions] --network ns:... ... IMAGE [args]} for container {@code c} of {@code pod}.
     *
     * @param image      the image to run (the lab's {@code --image}, in place of the manifest's registry name)
     * @param runOptions the lab's own options, placed first ({@code --name}, {@code -d}, {@code --rm}, labels, logs)
     */
    public static List<String> argv(PodSpec pod, Container c, NodeHost host, String image, List<String> runOptions) {
        String where = "container " + c.getName();
        if (!Boolean.TRUE.equals(pod.getHostNetwork())) {
            throw new IllegalArgumentException(where + ": spec.hostNetwork must be true (the lab runs the pod in its node's namespace)");
        }
        List<String> argv = new ArrayList<>(List.of("podman", "run"));
        argv.addAll(runOptions);
        argv.add("--network=ns:" + host.netns());
        security(c.getSecurityContext(), argv);
        for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            argv.add("-e");
            argv.add(e.getName() + "=" + envValue(where, e, host));
        }
        for (VolumeMount m : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
            mount(where, pod, m, host).ifPresent(v -> {
                argv.add("-v");
                argv.add(v);
            });
        }
        List<String> command = Optional.ofNullable(c.getCommand()).orElse(List.of());
        if (!command.isEmpty()) {
            // --entrypoint takes a JSON array for more than one word
            argv.add("--entrypoint=" + jsonArray(command));
        }
        argv.add(image);
        argv.addAll(Optional.ofNullable(c.getArgs()).orElse(List.of()));
        return argv;
    }

    private static void security(SecurityContext sc, List<String> argv) {
        if (sc == null) {
            return;
        }
        if (Boolean.TRUE.equals(sc.getPrivileged())) {
            argv.add("--privileged");
        }
        Capabilities caps = sc.getCapabilities();
        if (caps != null) {
            // the CRI drops before it adds: "drop ALL, add NET_ADMIN" leaves NET_ADMIN
            Optional.ofNullable(caps.getDrop()).orElse(List.of()).forEach(x -> argv.add("--cap-drop=" + x));
            Optional.ofNullable(caps.getAdd()).orElse(List.of()).forEach(x -> argv.add("--cap-add=" + x));
        }
        if (sc.getRunAsUser() != null) {
            argv.add("--user=" + sc.getRunAsUser());
        }
        if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
            argv.add("--read-only");
        }
        if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
            argv.add("--security-opt=no-new-privileges");
        }
        if (sc.getSeccompProfile() != null && "Unconfined".equals(sc.getSeccompProfile().getType())) {
            argv.add("--security-opt=seccomp=unconfined");
        }
        // RuntimeDefault (or none given): podman's default profile is the runtime default
    }

    private static String envValue(String where, EnvVar e, NodeHost host) {
        if (e.getValueFrom() == null) {
            return Optional.ofNullable(e.getValue()).orElse("");
        }
        if (e.getValueFrom().getFieldRef() == null) {
            throw new IllegalArgumentException(where + ": env " + e.getName()
                    + ": only values and fieldRef are supported by the lab (no ConfigMap or Secret keys)");
        }
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        return switch (path) {
            case "spec.nodeName" -> host.node();
            case "status.hostIP", "status.podIP" -> host.address();
            case "metadata.name" -> host.podName();
            case "metadata.namespace" -> Manifest.NAMESPACE;
            default -> throw new IllegalArgumentException(where + ": env " + e.getName() + ": fieldRef " + path
                    + " is not one the lab fills in (spec.nodeName, status.hostIP, status.podIP, metadata.name, metadata.namespace)");
        };
    }

    /** The {@code -v} value for a volume mount, or empty for an optional Secret the lab leaves out. */
    private static Optional<String> mount(String where, PodSpec pod, VolumeMount m, NodeHost host) {
        Volume v = Optional.ofNullable(pod.getVolumes()).orElse(List.of()).stream()
                .filter(x -> x.getName().equals(m.getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(where + ": volumeMount " + m.getName() + " names no volume of the pod"));
        String target = m.getMountPath();
        List<String> opts = new ArrayList<>();
        if (Boolean.TRUE.equals(m.getReadOnly())) {
            opts.add("ro");
        }
        String source;
        if (v.getHostPath() != null) {
            HostPathVolumeSource hp = v.getHostPath();
            source = host.hostPaths().apply(hp.getPath());
            switch (Optional.ofNullable(m.getMountPropagation()).orElse("None")) {
                case "HostToContainer" -> opts.add("rslave");
                case "Bidirectional" -> opts.add("rshared");
                case "None" -> {
                    // the runtime's default: private
                }
                default -> throw new IllegalArgumentException(where + ": volumeMount " + m.getName()
                        + ": mountPropagation " + m.getMountPropagation() + " is not None, HostToContainer or Bidirectional");
            }
        } else if (v.getConfigMap() != null) {
            Path dir = host.configMaps().get(v.getConfigMap().getName());
            if (dir == null) {
                throw new IllegalArgumentException(where + ": volume " + v.getName() + ": the lab has no ConfigMap "
                        + v.getConfigMap().getName());
            }
            source = dir.toString();
            if (!opts.contains("ro")) {
                opts.add("ro"); // ConfigMap volumes are read-only whatever the mount says
            }
        } else if (v.getSecret() != null) {
            if (Boolean.TRUE.equals(v.getSecret().getOptional())) {
                return Optional.empty();
            }
            throw new IllegalArgumentException(where + ": volume " + v.getName() + ": Secret " + v.getSecret().getSecretName()
                    + " is required, and the lab has no Secrets (mark it optional)");
        } else {
            throw new IllegalArgumentException(where + ": volume " + v.getName() + ": only hostPath, configMap and optional "
                    + "secret volumes are supported by the lab");
        }
        return Optional.of(source + ":" + target + (opts.isEmpty() ? "" : ":" + String.join(",", opts)));
    }

    private static String jsonArray(List<String> words) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < words.size(); i++) {
            b.append(i == 0 ? "" : ",").append('"').append(words.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append(']').toString();
    }
}
