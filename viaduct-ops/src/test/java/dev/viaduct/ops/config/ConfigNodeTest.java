package dev.viaduct.ops.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ConfigNodeTest {
    private static JsonNode json(String text) {
        return JsonMapper.builder().build().readTree(text);
    }

    @ParameterizedTest
    @CsvSource({
        "nodeName, VIADUCT_NODE_NAME",
        "datastore.endpoints, VIADUCT_DATASTORE_ENDPOINTS",
        "http.livenessDeadline, VIADUCT_HTTP_LIVENESS_DEADLINE",
        "cluster.podCidrsV6, VIADUCT_CLUSTER_POD_CIDRS_V6",
        "bfd.daemon, VIADUCT_BFD_DAEMON",
    })
    void variableNamesAreTheFieldPathInUpperSnakeCase(String path, String variable) {
        assertThat(ConfigNode.variable(path)).isEqualTo(variable);
    }

    @Test
    void theEnvironmentWinsOverTheFileForEveryKindOfValue() throws Exception {
        Map<String, String> env = Map.of("VIADUCT_NAME", "from-env", "VIADUCT_S_LIST", "a, b,,c", "VIADUCT_S_MAP", "rack=r1, zone = z",
                "VIADUCT_S_N", "42", "VIADUCT_S_ON", "false", "VIADUCT_S_WAIT", "2m");
        ConfigNode r = new ConfigNode(json("{\"name\": \"from-file\", \"s\": {\"list\": [\"x\"], \"n\": 1, \"on\": true, \"wait\": \"1s\"}}"), "", env);
        ConfigNode s = r.object("s");
        assertThat(r.string("name", null)).isEqualTo("from-env");
        assertThat(s.strings("list", List.of())).containsExactly("a", "b", "c");
        assertThat(s.stringMap("map")).containsExactly(Map.entry("rack", "r1"), Map.entry("zone", "z"));
        assertThat(s.integer("n", 0, 0, 100)).isEqualTo(42);
        assertThat(s.bool("on", true)).isFalse();
        assertThat(s.duration("wait", "5s")).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aSectionAbsentFromTheFileCanComeWhollyFromTheEnvironment() throws Exception {
        ConfigNode r = new ConfigNode(json("{}"), "", Map.of("VIADUCT_DATASTORE_ENDPOINTS", "http://10.0.0.1:2379,http://10.0.0.2:2379"));
        ConfigNode d = r.object("datastore");
        assertThat(d.has("endpoints")).isTrue();
        assertThat(d.strings("endpoints", List.of())).containsExactly("http://10.0.0.1:2379", "http://10.0.0.2:2379");
        assertThat(d.has("prefix")).isFalse();
    }

    @Test
    void errorsInAValueFromTheEnvironmentNameTheVariableAndTheField() throws Exception {
        ConfigNode cni = new ConfigNode(json("{}"), "", Map.of("VIADUCT_CNI_MTU", "70000", "VIADUCT_CNI_ON", "yes",
                "VIADUCT_CNI_LABELS", "rack")).object("cni");
        assertThatThrownBy(() -> cni.integer("mtu", 0, 0, 65535)).isInstanceOf(ConfigException.class)
                .hasMessage("VIADUCT_CNI_MTU (cni.mtu): 70000 is out of range 0..65535");
        assertThatThrownBy(() -> cni.bool("on", false)).hasMessage("VIADUCT_CNI_ON (cni.on): must be true or false, got \"yes\"");
        assertThatThrownBy(() -> cni.stringMap("labels")).hasMessage("VIADUCT_CNI_LABELS (cni.labels): \"rack\" is not key=value");
        assertThat(cni.path("socket")).as("a field the environment does not set is named by its path").isEqualTo("cni.socket");
    }

    @Test
    void unknownFileKeysAreStillRefused() {
        ConfigNode r = new ConfigNode(json("{\"nodeNmae\": \"x\"}"), "", Map.of("VIADUCT_NODE_NAME", "n1"));
        assertThatThrownBy(() -> r.allowOnly("nodeName")).hasMessage("nodeNmae: unknown field (known: nodeName)");
    }
}
