package dev.viaduct.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every construct the compiler emits is one the kernel's nftables accepts: random rulesets (SCTP, named
 * ports of both families, blocks with excepts, empty sets) loaded one after the other into one namespace, each
 * replacing the last, each delta applied after it too, each read back.
 */
class RandomRulesetsKernelTest {
    @RegisterExtension
    Netns netns = Netns.perTest();

    @Test
    void randomRulesetsLoadAndReplaceEachOther() {
        String ns = netns.create("random-rulesets");
        Ruleset previous = null;
        StringBuilder all = new StringBuilder();
        for (long seed = 1; seed <= 30; seed++) {
            Cluster c = new RandomClusters(seed).cluster();
            Node n = c.nodes().get((int) (seed % 2));
            Ruleset r = PolicyCompiler.compile(c, n.name(), n.ips());
            String script = previous == null ? NftScript.render(r) : NftScript.renderUpdate(previous, r);
            all.append(NftScript.render(r));
            if (!script.isEmpty()) {
                Cmd.Result res = Cmd.run(Duration.ofSeconds(30), script, "ip", "netns", "exec", ns, "nft", "-f", "-");
                assertThat(res.exitCode()).as("seed %d: %s\n%s", seed, res.stderr(), script).isZero();
            }
            JsonNode listed = JsonMapper.shared().readTree(netns.execOk(ns, "nft", "-j", "list", "table", "inet", PolicyCompiler.TABLE));
            long rules = 0;
            for (JsonNode item : listed.get("nftables")) {
                rules += item.has("rule") ? 1 : 0;
            }
            assertThat(rules).as("seed %d", seed).isEqualTo(r.ruleCount());
            previous = r;
        }
        assertThat(all).as("the constructs this test is for were generated")
                .contains("meta l4proto sctp th dport", "ip6 daddr . th dport @named6_", "flags interval", " @block6_");
    }
}
