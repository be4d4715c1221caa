package dev.viaduct.policy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.compile.NodeCompiler;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A delta applied to a table leaves it as a full apply of the new ruleset would. */
class NftUpdateKernelTest {
    private static final List<InetAddress> NODE_IPS = Samples.ips("192.168.0.1", "fd00:168::1");

    @RegisterExtension
    Netns netns = Netns.perTest();

    @Test
    void anUpdateEndsWhereAFullApplyEnds() {
        Cluster a = Samples.cluster();
        List<Pod> pods = new ArrayList<>(a.pods());
        pods.removeIf(p -> p.name().equals("tool"));
        pods.add(Samples.pod("prod", "web2", Map.of("role", "api"), "n1", List.of(new ContainerPort("http", 9090, Protocol.TCP)),
                "10.244.1.7", "fd00:244:1::7"));
        List<NetworkPolicy> policies = new ArrayList<>(a.policies());
        policies.removeIf(p -> p.name().equals("default-deny-egress"));
        policies.removeIf(p -> p.name().equals("test-network-policy"));
        List<Namespace> namespaces = List.of(new Namespace("prod", Map.of("team", "b")), new Namespace("dev", Map.of()));
        Cluster b = new Cluster(policies, pods, namespaces, a.nodes());
        Ruleset ra = PolicyCompiler.compile(a, "n1", NODE_IPS);
        Ruleset rb = PolicyCompiler.compile(b, "n1", NODE_IPS);

        String update = NftScript.renderUpdate(ra, rb);
        assertThat(update).doesNotContain("delete table").contains("add element").contains("delete chain");
        String updated = netns.create("updated");
        nft(updated, NftScript.render(ra));
        nft(updated, update);
        String fresh = netns.create("fresh");
        nft(fresh, NftScript.render(rb));
        assertThat(listing(updated)).isEqualTo(listing(fresh));
        String original = netns.create("original");
        nft(original, NftScript.render(ra));
        assertThat(listing(updated)).isNotEqualTo(listing(original));

        // and back again, and nothing to do for no change
        nft(updated, NftScript.renderUpdate(rb, ra));
        assertThat(listing(updated)).isEqualTo(listing(original));
        assertThat(NftScript.renderUpdate(ra, ra)).isEmpty();
    }

    @Test
    void aPodComingChangesElementsAndItsOwnChainsOnly() {
        Cluster a = Samples.cluster();
        List<Pod> pods = new ArrayList<>(a.pods());
        Pod extra = Samples.pod("prod", "db2", Map.of("role", "db"), "n1", List.of(), "10.244.1.8");
        pods.add(extra);
        Ruleset ra = PolicyCompiler.compile(a, "n1", NODE_IPS);
        Ruleset rb = PolicyCompiler.compile(new Cluster(a.policies(), pods, a.namespaces(), a.nodes()), "n1", NODE_IPS);
        String update = NftScript.renderUpdate(ra, rb);
        assertThat(update.lines().filter(l -> l.startsWith("add chain") || l.startsWith("flush chain")))
                .containsExactly("add chain inet viaduct-policy pod-eg_" + extra.hostVeth(), "add chain inet viaduct-policy pod-in_" + extra.hostVeth());
        assertThat(update).doesNotContain("delete");
    }

    @Test
    void theIncrementalCompilersDeltasEndWhereAFullApplyEnds() {
        Cluster a = Samples.cluster();
        NodeCompiler c = new NodeCompiler("n1", NODE_IPS);
        a.namespaces().forEach(c::putNamespace);
        for (Pod p : a.pods()) {
            c.putPod(p.id(), p);
        }
        a.policies().forEach(c::putPolicy);
        String updated = netns.create("updated");
        nft(updated, NftScript.render(c.ruleset()));
        c.drain();

        Pod extra = Samples.pod("prod", "db2", Map.of("role", "db"), "n1", List.of(new ContainerPort("http", 9090, Protocol.TCP)),
                "10.244.1.8", "fd00:244:1::8");
        c.putPod(extra.id(), extra);
        nft(updated, NftScript.render(c.drain()));
        c.removePod("prod/web");
        c.removePolicy("prod", "test-network-policy");
        nft(updated, NftScript.render(c.drain()));
        c.putNamespace(new Namespace("dev", Map.of("team", "a")));
        c.removeNamespace("other");
        c.setNodeIps(Samples.ips("192.168.0.9"));
        String last = NftScript.render(c.drain());
        assertThat(last).doesNotContain("delete table");
        nft(updated, last);

        String fresh = netns.create("fresh");
        nft(fresh, NftScript.render(c.ruleset()));
        assertThat(listing(updated)).isEqualTo(listing(fresh));
    }

    private void nft(String ns, String script) {
        Cmd.Result res = Cmd.run(Duration.ofSeconds(30), script, "ip", "netns", "exec", ns, "nft", "-f", "-");
        assertThat(res.exitCode()).as("nft -f failed: %s\n%s", res.stderr(), script).isZero();
    }

    /**
     * The table as JSON without handles, objects and set elements sorted, rules in order within their chain:
     * what it holds, not how it got there.
     */
    private String listing(String ns) {
        JsonNode root = JsonMapper.shared().readTree(netns.execOk(ns, "nft", "-j", "list", "table", "inet", PolicyCompiler.TABLE));
        List<String> objects = new ArrayList<>();
        Map<String, List<String>> rules = new TreeMap<>();
        for (JsonNode item : root.get("nftables")) {
            if (item.has("metainfo")) {
                continue;
            }
            strip(item);
            if (item.has("rule")) {
                rules.computeIfAbsent(item.get("rule").get("chain").asString(), c -> new ArrayList<>()).add(item.toString());
            } else {
                objects.add(item.toString());
            }
        }
        objects.sort(Comparator.naturalOrder());
        return String.join("\n", objects) + "\n" + rules;
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove("handle");
            if (o.get("elem") instanceof ArrayNode elems) {
                List<JsonNode> sorted = new ArrayList<>();
                elems.forEach(sorted::add);
                sorted.sort(Comparator.comparing(JsonNode::toString));
                elems.removeAll();
                sorted.forEach(elems::add);
            }
            o.properties().forEach(e -> strip(e.getValue()));
        } else if (n instanceof ArrayNode arr) {
            arr.forEach(NftUpdateKernelTest::strip);
        }
    }
}
