package dev.viaduct.lab.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/kubernetes/viaduct.yaml read with fabric8's typed model — the reader the lab's image mode runs it
 * with — and the facts the lab and a cluster rely on: the node pod's host network, mounts, env, commands and
 * probes, the privileges it asks for, and least-privilege RBAC.
 */
class ManifestTest {
    private static final Path FILE = Path.of("..", "deploy", "kubernetes", "viaduct.yaml");

    private static Manifest manifest() throws IOException {
        return Manifest.load(FILE);
    }

    private static PodSpec nodePod() throws IOException {
        return manifest().nodeDaemonSet().getSpec().getTemplate().getSpec();
    }

    private static Container container(PodSpec pod, String name) {
        return Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode agentYaml() throws IOException {
        String text = manifest().get(ConfigMap.class, "viaduct-config").getData().get("agent.yaml");
        return YAMLMapper.builder().build().readTree(text);
    }

    @Test
    void theLabRunsTheFileTheRepositoryShips() throws IOException {
        String bundled;
        try (var in = Manifest.class.getResourceAsStream(Manifest.RESOURCE)) {
            bundled = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(bundled).as("the class path copy the lab reads").isEqualTo(Files.readString(FILE));
        assertThat(Manifest.bundled().objects()).hasSameSizeAs(manifest().objects());
    }

    @Test
    void everyDocumentIsATypedObjectInTheViaductNamespace() throws IOException {
        Manifest m = manifest();
        assertThat(m.objects()).extracting(HasMetadata::getKind).containsExactly("Namespace", "ServiceAccount",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet",
                "Deployment");
        assertThat(m.get(Namespace.class, Manifest.NAMESPACE)).isNotNull();
        for (HasMetadata o : m.objects()) {
            if (!(o instanceof Namespace || o instanceof ClusterRole || o instanceof ClusterRoleBinding)) {
                assertThat(o.getMetadata().getNamespace()).as("%s %s", o.getKind(), o.getMetadata().getName())
                        .isEqualTo(Manifest.NAMESPACE);
            }
        }
        // fabric8 keeps fields its model does not know as additional properties: a typo would land there
        PodSpec pod = nodePod();
        assertThat(pod.getAdditionalProperties()).as("unknown pod spec fields").isEmpty();
        for (Container c : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
            assertThat(c.getAdditionalProperties()).as("unknown fields of container %s", c.getName()).isEmpty();
            assertThat(c.getSecurityContext().getAdditionalProperties()).as("securityContext of %s", c.getName()).isEmpty();
            c.getVolumeMounts().forEach(v -> assertThat(v.getAdditionalProperties()).isEmpty());
        }
    }

    @Test
    void theNodePodRunsOnEveryNodeInItsNetworkAndRollsOneNodeAtATime() throws IOException {
        DaemonSet ds = manifest().nodeDaemonSet();
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).as("no key: every taint").isNull();
            assertThat(t.getEffect()).as("no effect: every effect").isNull();
        });
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pod.getServiceAccountName()).isEqualTo("viaduct-node");
        assertThat(pod.getAutomountServiceAccountToken()).as("the node pod reads nothing from the API").isFalse();
    }

    @Test
    void installCniWritesIntoTheHostsCniDirectories() throws IOException {
        PodSpec pod = nodePod();
        Container c = container(pod, "install-cni");
        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("install-cni");
        assertThat(c.getArgs()).containsExactly("install-cni");
        Map<String, String> env = literalEnv(c);
        assertThat(volume(pod, mountAt(c, env.get("VIADUCT_CNI_BIN_DIR")).getName()).getHostPath().getPath()).isEqualTo("/opt/cni/bin");
        assertThat(volume(pod, mountAt(c, env.get("VIADUCT_CNI_CONF_DIR")).getName()).getHostPath().getPath()).isEqualTo("/etc/cni/net.d");
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).as("writing files needs no capability").isNullOrEmpty();
    }

    @Test
    void bfddIsItsOwnContainerListeningWhereTheAgentLooks() throws IOException {
        PodSpec pod = nodePod();
        Container bfdd = container(pod, "bfdd");
        assertThat(bfdd.getArgs()).startsWith("bfdd");
        String socket = bfdd.getArgs().get(bfdd.getArgs().indexOf("--socket") + 1);
        assertThat(socket).isEqualTo(agentYaml().path("bfd").path("socket").asString());
        assertThat(hostPathAbove(pod, bfdd, socket)).isEqualTo("/run/viaduct");
        assertThat(hostPathAbove(pod, container(pod, "agent"), socket)).as("the agent sees the same directory").isEqualTo("/run/viaduct");
        assertThat(bfdd.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_RAW");
    }

    @Test
    void theAgentGetsItsNodeNameFromKubeletAndTalksToAnExternalBfdd() throws IOException {
        Container agent = container(nodePod(), "agent");
        assertThat(agent.getArgs()).containsExactly("agent", "--config", "/etc/viaduct/agent.yaml");
        EnvVar nodeName = agent.getEnv().stream().filter(e -> e.getName().equals("VIADUCT_NODE_NAME")).findFirst().orElseThrow();
        assertThat(nodeName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        assertThat(literalEnv(agent)).containsEntry("VIADUCT_BFD_DAEMON", "external");
        assertThat(volume(nodePod(), mountAt(agent, "/etc/viaduct").getName()).getConfigMap().getName()).isEqualTo("viaduct-config");
    }

    @Test
    void theAgentMountsTheHostPathsItNeedsAndNoMore() throws IOException {
        PodSpec pod = nodePod();
        Container agent = container(pod, "agent");
        VolumeMount netns = mountAt(agent, "/var/run/netns");
        assertThat(netns.getMountPropagation()).as("pod namespaces made after the agent started").isEqualTo("HostToContainer");
        assertThat(volume(pod, netns.getName()).getHostPath().getPath()).isEqualTo("/var/run/netns");
        VolumeMount modules = mountAt(agent, "/lib/modules");
        assertThat(modules.getReadOnly()).isTrue();
        assertThat(volume(pod, modules.getName()).getHostPath().getPath()).isEqualTo("/lib/modules");
        assertThat(hostPathAbove(pod, agent, agentYaml().path("cni").path("socket").asString())).isEqualTo("/run/viaduct");
        List<String> hostPaths = new ArrayList<>();
        for (VolumeMount m : agent.getVolumeMounts()) {
            Volume v = volume(pod, m.getName());
            if (v.getHostPath() != null) {
                hostPaths.add(v.getHostPath().getPath());
            }
        }
        assertThat(hostPaths).containsExactlyInAnyOrder("/run/viaduct", "/var/run/netns", "/lib/modules", "/var/lib/viaduct");
        assertThat(agentYaml().path("ipam").path("pendingReleases").isMissingNode())
                .as("the ConfigMap leaves the journal at the agent's default").isTrue();
        assertThat(hostPathAbove(pod, agent, "/var/lib/viaduct/pending-releases"))
                .as("owed address releases outlive the container").isEqualTo("/var/lib/viaduct");
        assertThat(volume(pod, mountAt(agent, "/etc/viaduct/tls").getName()).getSecret().getOptional()).isTrue();
    }

    @Test
    void theAgentIsNotPrivilegedAndAsksForThreeCapabilities() throws IOException {
        Container agent = container(nodePod(), "agent");
        assertThat(agent.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(agent.getSecurityContext().getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN",
                "NET_BIND_SERVICE");
        for (Container c : nodePod().getContainers()) {
            assertThat(c.getSecurityContext().getPrivileged()).as("%s privileged", c.getName()).isNotEqualTo(Boolean.TRUE);
        }
    }

    @Test
    void probesReachTheAgentWhereItListens() throws IOException {
        Container agent = container(nodePod(), "agent");
        String listen = agentYaml().path("http").path("listen").asString();
        for (var probe : List.of(Map.entry(agent.getLivenessProbe(), "/healthz"), Map.entry(agent.getReadinessProbe(), "/readyz"))) {
            Probe p = probe.getKey();
            assertThat(p.getHttpGet().getPath()).isEqualTo(probe.getValue());
            // hostNetwork: kubelet probes from the node's own namespace, so the loopback listener is reachable
            assertThat(p.getHttpGet().getHost() + ":" + p.getHttpGet().getPort().getIntVal()).isEqualTo(listen);
        }
    }

    @Test
    void kubeControllersAreTwoReplicasWithProbes() throws IOException {
        Deployment d = manifest().get(Deployment.class, "viaduct-kube-controllers");
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(c.getArgs().getFirst()).isEqualTo("kube-controllers");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("viaduct-kube-controllers");
    }

    @Test
    void rbacIsReadOnlyOnTheClusterAndLeaseOnlyInItsNamespace() throws IOException {
        Manifest m = manifest();
        List<PolicyRule> cluster = m.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()).toList();
        List<PolicyRule> namespaced = m.all(Role.class).stream().flatMap(r -> r.getRules().stream()).toList();
        for (PolicyRule r : Stream.concat(cluster.stream(), namespaced.stream()).toList()) {
            assertThat(r.getVerbs()).doesNotContain("*");
            assertThat(r.getResources()).doesNotContain("*", "secrets");
            assertThat(r.getApiGroups()).doesNotContain("*");
        }
        assertThat(cluster).flatExtracting(PolicyRule::getVerbs).containsOnly("get", "list", "watch");
        assertThat(cluster).flatExtracting(PolicyRule::getResources)
                .containsExactlyInAnyOrder("nodes", "pods", "namespaces", "networkpolicies");
        assertThat(namespaced).flatExtracting(PolicyRule::getResources).containsOnly("leases");
        assertThat(namespaced).flatExtracting(PolicyRule::getVerbs).containsExactlyInAnyOrder("create", "get", "update", "patch");
        assertThat(namespaced).filteredOn(r -> !r.getVerbs().contains("create"))
                .allSatisfy(r -> assertThat(r.getResourceNames()).containsExactly("viaduct-kube-controllers"));

        List<String> bound = Stream.concat(m.all(ClusterRoleBinding.class).stream().flatMap(b -> b.getSubjects().stream()),
                m.all(RoleBinding.class).stream().flatMap(b -> b.getSubjects().stream())).map(s -> s.getName()).toList();
        assertThat(bound).containsOnly("viaduct-kube-controllers");
        assertThat(m.get(ServiceAccount.class, "viaduct-node").getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void podmanRunsTheAgentAsKubeletWould() throws IOException {
        PodSpec pod = nodePod();
        NodeHost host = new NodeHost("n1", "10.168.0.11", "viaduct-node-n1", Path.of("/run/netns/vldemo-n1"),
                p -> p.equals("/var/run/netns") || p.equals("/lib/modules") ? p : "/lab/n1" + p,
                Map.of("viaduct-config", Path.of("/lab/n1/config")));
        List<String> argv = PodmanRun.argv(pod, container(pod, "agent"), host, "localhost/viaduct:test", List.of("-d"));
        assertThat(argv.subList(0, 3)).containsExactly("podman", "run", "-d");
        assertThat(argv).contains("--network=ns:/run/netns/vldemo-n1", "--cap-drop=ALL", "--cap-add=NET_ADMIN",
                "--cap-add=SYS_ADMIN", "--user=0", "VIADUCT_NODE_NAME=n1", "VIADUCT_BFD_DAEMON=external",
                "/lab/n1/run/viaduct:/run/viaduct", "/var/run/netns:/var/run/netns:rslave", "/lib/modules:/lib/modules:ro",
                "/lab/n1/config:/etc/viaduct:ro");
        assertThat(argv).doesNotContain("--privileged").noneMatch(a -> a.contains("/etc/viaduct/tls"));
        assertThat(argv.subList(argv.indexOf("localhost/viaduct:test"), argv.size()))
                .containsExactly("localhost/viaduct:test", "agent", "--config", "/etc/viaduct/agent.yaml");
    }

    /** The hostPath of the volume mounted at the longest mount path above {@code path} in {@code c}. */
    private static String hostPathAbove(PodSpec pod, Container c, String path) {
        VolumeMount best = c.getVolumeMounts().stream().filter(m -> Path.of(path).startsWith(m.getMountPath()))
                .max(java.util.Comparator.comparingInt(m -> m.getMountPath().length()))
                .orElseThrow(() -> new AssertionError(c.getName() + " has no mount above " + path));
        Volume v = volume(pod, best.getName());
        return v.getHostPath() == null ? null : v.getHostPath().getPath();
    }

    private static Map<String, String> literalEnv(Container c) {
        Map<String, String> env = new java.util.HashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() == null) {
                env.put(e.getName(), e.getValue());
            }
        }
        return env;
    }
}
