package dev.viaduct.lab.manifest;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One lab node as a pod of the node DaemonSet sees it: what kubelet would fill in (the node's name and address,
 * the pod's name) and where its volumes are on this machine.
 *
 * @param node       the node's name ({@code spec.nodeName})
 * @param address    the node's address ({@code status.hostIP}, and {@code status.podIP} with hostNetwork)
 * @param podName    the pod's name ({@code metadata.name})
 * @param netns      the node's network namespace (a bind mount, e.g. {@code /run/netns/vldemo-n1}): the
 *                   pod's host network
 * @param hostPaths  a hostPath volume's path on the node → the path on this machine (per-node directories for
 *                   the node's own files; the real path for what the kernel shares, such as {@code /var/run/netns})
 * @param configMaps a ConfigMap's name → a directory holding its keys as files (absent: the lab has no such
 *                   ConfigMap)
 */
public record NodeHost(String node, String address, String podName, Path netns, UnaryOperator<String> hostPaths,
        Map<String, Path> configMaps) {
    public NodeHost {
        configMaps = Map.copyOf(configMaps);
    }
}
