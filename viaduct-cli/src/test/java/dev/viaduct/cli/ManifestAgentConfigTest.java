package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.agent.config.AgentConfig;
import dev.viaduct.lab.manifest.Manifest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent configuration a cluster gets from deploy/kubernetes/viaduct.yaml — the ConfigMap's agent.yaml plus
 * the agent container's environment, as kubelet fills it in — is one the agent accepts, with the node name from
 * {@code spec.nodeName} and bfdd external; and a bad value in that environment is refused naming the variable.
 */
class ManifestAgentConfigTest {
    private static final Path FILE = Path.of("..", "deploy", "kubernetes", "viaduct.yaml");

    private static String agentYaml(Manifest m) {
        return m.get(ConfigMap.class, "viaduct-config").getData().get("agent.yaml");
    }

    /** The agent container's environment on node {@code node}: literal values, and spec.nodeName filled in. */
    private static Map<String, String> env(Manifest m, String node) {
        Container agent = m.nodeDaemonSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("agent")).findFirst().orElseThrow();
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : agent.getEnv()) {
            if (e.getValueFrom() == null) {
                env.put(e.getName(), e.getValue());
            } else if ("spec.nodeName".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
                env.put(e.getName(), node);
            }
        }
        return env;
    }

    @Test
    void theConfigMapAndThePodEnvironmentMakeAValidAgentConfig() throws Exception {
        Manifest m = Manifest.load(FILE);
        AgentConfig c = AgentConfig.parse(agentYaml(m), false, env(m, "worker-7.example"));
        assertThat(c.nodeName()).as("from spec.nodeName, not the host name").isEqualTo("worker-7.example");
        assertThat(c.bfd().managed()).as("bfdd is the pod's other container").isFalse();
        assertThat(c.bfd().socket()).hasToString("/run/viaduct/bfdd.sock");
        assertThat(c.cni().socket()).hasToString("/run/viaduct/cni.sock");
        assertThat(c.http().listenHost()).contains("127.0.0.1");
        assertThat(c.http().listenPort()).isEqualTo(9099);
    }

    @Test
    void aBadValueInThePodEnvironmentIsRefusedNamingTheVariable() throws IOException {
        Manifest m = Manifest.load(FILE);
        Map<String, String> env = env(m, "worker-7");
        env.put("VIADUCT_BFD_DAEMON", "sometimes");
        assertThatThrownBy(() -> AgentConfig.parse(agentYaml(m), false, env)).hasMessageContaining("VIADUCT_BFD_DAEMON");
    }
}
