package dev.viaduct.policy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real packets through a compiled table: two "pods" (namespaces) routed through a "node" namespace by
 * veths named as the agent names them, a policy allowing x/a → x/b on TCP 80 only.
 */
class PolicyPacketKernelTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SERVER = """
            import socket, threading
            def serve(port):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('0.0.0.0', port))
                s.listen(16)
                while True:
                    c, _ = s.accept()
                    c.sendall(b'hi')
                    c.close()
            for p in (80, 81):
                threading.Thread(target=serve, args=(p,)).start()
            """;
    private static final String CLIENT = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
            print(s.recv(2).decode())
            """;
    private static final String POLICY = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-a, namespace: x}
            spec:
              podSelector: {matchLabels: {app: b}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: a}}}]
                  ports: [{protocol: TCP, port: 80}]
            """;

    @RegisterExtension
    Netns netns = Netns.perTest();

    @Test
    void theAllowedPortConnectsAndAnotherIsDroppedAndCounted(@TempDir Path dir) throws Exception {
        String node = netns.create("node");
        String a = netns.create("pod-a");
        String b = netns.create("pod-b");
        podLink(node, "vdc00000000001", a, "10.99.1");
        podLink(node, "vdc00000000002", b, "10.99.2");
        netns.execOk(node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Path log = dir.resolve("server.log");
        netns.spawn(b, log, PYTHON, "-c", SERVER);
        Poll.until("server in pod b listening on 80 and 81", Duration.ofSeconds(10),
                () -> connects(b, "127.0.0.1", 80) && connects(b, "127.0.0.1", 81));
        assertThat(connects(a, "10.99.2.2", 81)).as("before the policy, port 81 is open").isTrue();

        Cluster cluster = new Cluster(NetworkPolicyReader.read(POLICY, null),
                List.of(new Pod("x", "a", Map.of("app", "a"), Samples.ips("10.99.1.2"), "n1", "vdc00000000001", List.of()),
                        new Pod("x", "b", Map.of("app", "b"), Samples.ips("10.99.2.2"), "n1", "vdc00000000002", List.of())),
                List.of(new Namespace("x", Map.of())),
                List.of(new Node("n1", Samples.ips("10.99.1.1", "10.99.2.1"))));
        String script = NftScript.render(PolicyCompiler.compile(cluster, "n1", Samples.ips("10.99.1.1", "10.99.2.1")));
        Cmd.run(Duration.ofSeconds(30), script, "ip", "netns", "exec", node, "nft", "-f", "-").orThrow();

        assertThat(connects(a, "10.99.2.2", 80)).as("allowed: x/a to x/b on 80").isTrue();
        assertThat(client(a, "10.99.2.2", 81).stderr()).as("no rule allows port 81: the SYN is dropped").contains("timed out");
        JsonNode counter = JsonMapper.shared().readTree(netns.execOk(node, "nft", "-j", "list", "counter", "inet",
                PolicyCompiler.TABLE, "drop-in_x_allow-a"));
        long packets = 0;
        for (JsonNode item : counter.get("nftables")) {
            if (item.has("counter")) {
                packets = item.get("counter").get("packets").asLong();
            }
        }
        assertThat(packets).as("the dropped SYNs are counted").isPositive();
        assertThat(client(b, "10.99.1.2", 80).stderr()).as("b's egress and a's ingress are not isolated: a answers (no listener)")
                .contains("ConnectionRefusedError");
    }

    /** A veth from the node to a pod namespace: node side {@code <net>.1/24}, pod side {@code <net>.2/24}. */
    private void podLink(String node, String veth, String pod, String net) {
        netns.execOk(node, "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod);
        netns.execOk(node, "ip", "addr", "add", net + ".1/24", "dev", veth);
        netns.execOk(node, "ip", "link", "set", veth, "up");
        netns.execOk(pod, "ip", "addr", "add", net + ".2/24", "dev", "eth0");
        netns.execOk(pod, "ip", "link", "set", "eth0", "up");
        netns.execOk(pod, "ip", "route", "add", "default", "via", net + ".1");
    }

    private boolean connects(String ns, String ip, int port) {
        return client(ns, ip, port).ok();
    }

    private Cmd.Result client(String ns, String ip, int port) {
        return netns.exec(ns, PYTHON, "-c", CLIENT, ip, Integer.toString(port), "1");
    }
}
