package dev.viaduct.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.ops.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    static final String MIN = "datastore:\n  endpoints: [http://10.0.0.1:2379]\n";

    @Test
    void defaultsFromAMinimalFile() throws Exception {
        AgentConfig c = AgentConfig.parse("nodeName: n1\n" + MIN, false);
        assertThat(c.nodeName()).isEqualTo("n1");
        assertThat(c.datastore().prefix()).isEqualTo("/viaduct/v1");
        assertThat(c.cluster().mode()).isEqualTo("host-gw");
        assertThat(c.cluster().podCidrs()).extracting(Object::toString).containsExactly("10.244.0.0/16");
        assertThat(c.cluster().blockSize()).isEqualTo(26);
        assertThat(c.cni().socket().toString()).isEqualTo("/run/viaduct/cni.sock");
        assertThat(c.routes().protocol()).isEqualTo(AgentConfig.DEFAULT_ROUTE_PROTOCOL);
        assertThat(c.routes().resyncInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.http().listenPort()).isEqualTo(9099);
        assertThat(c.node().leaseTtl()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.bfd().enabled()).isTrue();
        assertThat(c.bfd().interval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.bfd().multiplier()).isEqualTo(3);
        assertThat(c.bfd().socket().toString()).as("next to the CNI socket").isEqualTo("/run/viaduct/bfdd.sock");
    }

    @Test
    void reclaimAfterDefaultsToTenMinutesAndMustOutlastTheNodeLease() throws Exception {
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN, false).ipam().reclaimAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN + "ipam: {reclaimAfter: 30m}\n", false).ipam().reclaimAfter())
                .isEqualTo(Duration.ofMinutes(30));
        assertThatThrownBy(() -> AgentConfig.parse("nodeName: n1\n" + MIN + "ipam: {reclaimAfter: 10s}\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessage("ipam.reclaimAfter: 10s must be longer than node.leaseTtl (15s): a restarting agent's node record is absent"
                        + " for up to that long");
    }

    @Test
    void pendingReleasesLiveOnDiskByDefaultAndMustBeAbsolute() throws Exception {
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN, false).ipam().pendingReleases())
                .isEqualTo(java.nio.file.Path.of("/var/lib/viaduct/pending-releases"));
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN + "ipam: {pendingReleases: /run/viaduct/owed}\n", false).ipam()
                .pendingReleases()).isEqualTo(java.nio.file.Path.of("/run/viaduct/owed"));
        assertThatThrownBy(() -> AgentConfig.parse("nodeName: n1\n" + MIN + "ipam: {pendingReleases: owed}\n", false))
                .isInstanceOf(ConfigException.class).hasMessage("ipam.pendingReleases: \"owed\" must be an absolute path");
    }

    @Test
    void bfdSettings() throws Exception {
        AgentConfig c = AgentConfig.parse("nodeName: n1\n" + MIN + "cni: {socket: /run/lab/n1/cni.sock}\n"
                + "bfd: {interval: 50ms, multiplier: 5}\n", false);
        assertThat(c.bfd().interval()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.bfd().multiplier()).isEqualTo(5);
        assertThat(c.bfd().socket().toString()).as("each node's bfdd follows its CNI socket").isEqualTo("/run/lab/n1/bfdd.sock");
        AgentConfig off = AgentConfig.parse("nodeName: n1\n" + MIN + "bfd: {enabled: false, socket: /x/b.sock}\n", false);
        assertThat(off.bfd().enabled()).isFalse();
        assertThat(off.bfd().socket().toString()).isEqualTo("/x/b.sock");
    }

    @Test
    void environmentVariablesOverrideTheFileAndNameThemselvesInErrors() throws Exception {
        AgentConfig c = AgentConfig.parse("nodeName: from-file\n" + MIN, false, java.util.Map.of("VIADUCT_NODE_NAME", "worker-7",
                "VIADUCT_DATASTORE_ENDPOINTS", "http://10.0.0.9:2379", "VIADUCT_BFD_DAEMON", "external", "VIADUCT_NODE_LABELS", "rack=r2"));
        assertThat(c.nodeName()).isEqualTo("worker-7");
        assertThat(c.datastore().endpoints()).containsExactly("http://10.0.0.9:2379");
        assertThat(c.bfd().managed()).isFalse();
        assertThat(c.node().labels()).containsEntry("rack", "r2");
        assertThatThrownBy(() -> AgentConfig.parse(MIN, false, java.util.Map.of("VIADUCT_NODE_NAME", "Worker_7")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("VIADUCT_NODE_NAME (nodeName): \"Worker_7\" must be a DNS-1123 subdomain");
        assertThatThrownBy(() -> AgentConfig.parse(MIN, false, java.util.Map.of("VIADUCT_BFD_DAEMON", "sidecar")))
                .hasMessage("VIADUCT_BFD_DAEMON (bfd.daemon): \"sidecar\" is not one of [managed, external]");
    }

    @Test
    void aConfigurationFromTheEnvironmentAlone() throws Exception {
        AgentConfig c = AgentConfig.fromEnvironment(java.util.Map.of("VIADUCT_NODE_NAME", "n3", "VIADUCT_DATASTORE_ENDPOINTS",
                "http://10.0.0.1:2379"));
        assertThat(c.nodeName()).isEqualTo("n3");
        assertThat(c.bfd().managed()).as("the agent starts bfdd unless told bfdd is external").isTrue();
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(java.util.Map.of("VIADUCT_NODE_NAME", "n3")))
                .hasMessage("datastore.endpoints: at least one etcd endpoint is required (e.g. http://10.0.0.1:2379)");
    }

    @Test
    void policyEnforcementIsOnUnlessTurnedOff() throws Exception {
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN, false).policy().enabled()).isTrue();
        assertThat(AgentConfig.parse("nodeName: n1\n" + MIN + "policy: {enabled: false}\n", false).policy().enabled()).isFalse();
        assertThatThrownBy(() -> AgentConfig.parse("nodeName: n1\n" + MIN + "policy: {enable: false}\n", false))
                .hasMessageContaining("policy.enable");
    }

    @Test
    void fullFileInJson() throws Exception {
        AgentConfig c = AgentConfig.parse("""
                {"nodeName": "n2", "datastore": {"endpoints": ["https://e1:2379", "https://e2:2379"], "caFile": "/ca.pem",
                 "certFile": "/c.pem", "keyFile": "/k.pem", "username": "u", "password": "p", "prefix": "/x"},
                 "cluster": {"podCidrs": ["10.50.0.0/16"], "blockSize": 24, "podCidrsV6": ["fd00:50::/48"]},
                 "node": {"address": "10.168.0.3/24", "uplink": "eth1", "labels": {"rack": "a"}, "leaseTtl": "5s"},
                 "cni": {"socket": "/run/x/cni.sock", "mtu": 1400}, "routes": {"protocol": 100, "resyncInterval": "5s"},
                 "http": {"listen": "0.0.0.0:9100"}, "log": {"format": "json", "level": "debug"}}""", true);
        assertThat(c.node().address().orElseThrow().toString()).isEqualTo("10.168.0.3/24");
        assertThat(c.node().labels()).containsEntry("rack", "a");
        assertThat(c.cni().mtu()).isEqualTo(1400);
        assertThat(c.datastore().username()).contains("u");
        assertThat(c.log().format()).isEqualTo("json");
    }

    @Test
    void poolDefaultsForOverlaysAndNat() throws Exception {
        AgentConfig c = AgentConfig.parse("nodeName: n1\n" + MIN + "cluster:\n  vxlanMode: CrossSubnet\n  natOutgoing: true\n", false);
        assertThat(c.cluster().vxlanMode()).isEqualTo(dev.viaduct.ipam.EncapMode.CROSS_SUBNET);
        assertThat(c.cluster().ipipMode()).isEqualTo(dev.viaduct.ipam.EncapMode.NEVER);
        assertThat(c.cluster().natOutgoing()).isTrue();
        AgentConfig d = AgentConfig.parse("nodeName: n1\n" + MIN, false);
        assertThat(d.cluster().vxlanMode()).isEqualTo(dev.viaduct.ipam.EncapMode.NEVER);
        assertThat(d.cluster().natOutgoing()).isFalse();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            nodeName: n1                                                              | datastore.endpoints: at least one
            {nodeName: n1, datastore: {endpoints: [foo]}}                             | datastore.endpoints[0]: "foo" is not an http
            {nodeName: n1, datastore: {endpoints: [http://a:1], prefix: x}}           | datastore.prefix: "x" must start with '/'
            {nodeName: n1, datastore: {endpoints: [http://a:1], certFile: /c}}        | set both or neither
            {nodeName: n1, datastore: {endpoints: [http://a:1], caFile: /c}}          | use https://
            {nodeName: n1, datastore: {endpoints: [http://a:1], dialTimeout: soon}}   | datastore.dialTimeout: "soon" is not a duration
            {nodeName: N_1, datastore: {endpoints: [http://a:1]}}                     | nodeName: "N_1" must be a DNS-1123
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, colour: red}         | colour: unknown field
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cni: {mtu: 9}}       | cni.mtu: must be 0 (auto) or 576..65535
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cni: {mtu: big}}     | cni.mtu: must be an integer
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cni: {socket: rel}}  | cni.socket: "rel" must be an absolute path
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cni: {sokcet: /x}}   | cni.sokcet: unknown field
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {mode: ospf}} | cluster.mode: "ospf" is not one of
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {podCidrs: [10.244.0.1/16]}} | has host bits set (did you mean 10.244.0.0/16?)
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {podCidrs: [fd00::/48]}} | cluster.podCidrs[0]: fd00::/48 is not IPv4
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {podCidrs: [10.0.0.0/28]}} | smaller than one /26 block
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {blockSize: 40}} | cluster.blockSize: 40 is out of range 20..32
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {blockSize: "99999999999999999999"}} | cluster.blockSize: 99999999999999999999 is out of range 20..32
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, node: {address: 10.1.1.1}} | node.address: 10.1.1.1/32 has no subnet prefix
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, node: {address: banana/24}} | node.address: 'banana' is not an IP address
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, node: {labels: [a]}}  | node.labels: must be a map
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, routes: {protocol: 186}} | routes.protocol: 186 belongs to a routing daemon
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, http: {listen: nowhere}} | http.listen: "nowhere" must be host:port
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, http: {livenessDeadline: 10ms}} | http.livenessDeadline: 10ms is below
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, log: {format: xml}}  | log.format: "xml" is not one of
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {vxlanMode: always}} | cluster.vxlanMode: "always" is not one of [Never, CrossSubnet, Always]
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {ipipMode: Sometimes}} | cluster.ipipMode: "Sometimes" is not one of
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {vxlanMode: Always, ipipMode: CrossSubnet}} | cluster.vxlanMode and cluster.ipipMode: enable at most one
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, cluster: {natOutgoing: yes please}} | cluster.natOutgoing
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {interval: 1ms}}  | bfd.interval: must be between 10ms and 10s, got 1ms
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {interval: fast}} | bfd.interval: "fast" is not a duration
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, node: {leaseTtl: 99999999999999999999s}} | node.leaseTtl: "99999999999999999999s" is out of range
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, node: {leaseTtl: 9999999999999999h}} | node.leaseTtl: "9999999999999999h" is out of range
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {multiplier: 0}}  | bfd.multiplier: 0 is out of range 1..255
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {enabled: maybe}} | bfd.enabled: must be true or false
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {socket: rel}}    | bfd.socket: "rel" must be an absolute path
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {socket: /run/viaduct/cni.sock}} | bfd.socket: "/run/viaduct/cni.sock" is the CNI socket
            {nodeName: n1, datastore: {endpoints: [http://a:1]}, bfd: {intervl: 1s}}    | bfd.intervl: unknown field
            '[1, 2]'                                                                  | the top level must be a map
            'key: [unclosed'                                                          | not valid YAML
            """)
    void badFieldsAreNamed(String yaml, String expected) {
        assertThatThrownBy(() -> AgentConfig.parse(yaml, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(expected);
    }
}
