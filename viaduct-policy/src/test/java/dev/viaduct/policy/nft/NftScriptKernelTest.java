package dev.viaduct.policy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Loads compiled rulesets into a real kernel (a fresh network namespace) with nft and reads them back. */
class NftScriptKernelTest {
    @RegisterExtension
    Netns netns = Netns.perTest();

    @Test
    void sampleRulesetLoadsAndReadsBack() {
        String ns = netns.create("policy");
        Ruleset r = PolicyCompiler.compile(Samples.cluster(), "n1", Samples.ips("192.168.0.1", "fd00:168::1"));
        String script = NftScript.render(r);
        nft(ns, script);
        JsonNode listed = JsonMapper.shared().readTree(netns.execOk(ns, "nft", "-j", "list", "table", "inet", PolicyCompiler.TABLE));
        long chains = 0;
        long rules = 0;
        long sets = 0;
        for (JsonNode item : listed.get("nftables")) {
            chains += item.has("chain") ? 1 : 0;
            rules += item.has("rule") ? 1 : 0;
            sets += item.has("set") ? 1 : 0;
        }
        assertThat(chains).isEqualTo(r.chains().size());
        assertThat(rules).isEqualTo(r.ruleCount());
        assertThat(sets).isEqualTo(r.sets().size());
        // a second apply of the same script is one transaction replacing the table: same content after
        String before = netns.execOk(ns, "nft", "list", "table", "inet", PolicyCompiler.TABLE);
        nft(ns, script);
        assertThat(netns.execOk(ns, "nft", "list", "table", "inet", PolicyCompiler.TABLE)).isEqualTo(before);
    }

    private void nft(String ns, String script) {
        Cmd.Result res = Cmd.run(Duration.ofSeconds(30), script, "ip", "netns", "exec", ns, "nft", "-f", "-");
        assertThat(res.exitCode()).as("nft -f failed: %s\n%s", res.stderr(), script).isZero();
    }
}
