package dev.viaduct.agent.nat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.overlay.PoolSettings;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** natOutgoing against the real nft in a throw-away namespace: written, read back, repaired, removed. */
@Tag("root")
class NftKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    static PoolSettings pool(String cidr, boolean nat) {
        return new PoolSettings(IpPrefix.parse(cidr), EncapMode.NEVER, EncapMode.NEVER, nat);
    }

    @Test
    void tablesAreWrittenReadBackRepairedAndRemoved() {
        Netns.requireRoot();
        String ns = netns.create("nat");
        NatOutgoing nat = new NatOutgoing(NftCommand.withArgv(List.of("ip", "netns", "exec", ns, "nft")), Duration.ofMinutes(1));
        List<PoolSettings> pools = List.of(pool("10.244.0.0/16", true), pool("10.245.0.0/16", false), pool("fd00:10::/64", true));
        assertThat(nat.pass(pools)).isEmpty();
        String v4 = netns.execOk(ns, "nft", "list", "table", "ip", "viaduct-nat");
        assertThat(v4).contains("elements = { 10.244.0.0/16 }").contains("elements = { 10.244.0.0/16, 10.245.0.0/16 }")
                .contains("ip saddr @nat-pools ip daddr != @pools masquerade");
        assertThat(netns.execOk(ns, "nft", "list", "table", "ip6", "viaduct-nat")).contains("fd00:10::/64")
                .contains("ip6 saddr @nat-pools ip6 daddr != @pools masquerade");
        long writes = nat.writes.get();

        // unchanged: read back as equal, nothing rewritten
        assertThat(nat.pass(pools)).isEmpty();
        assertThat(nat.writes.get()).isEqualTo(writes);

        // someone flushes our chain: the next pass puts the rule back
        netns.execOk(ns, "nft", "flush", "chain", "ip", "viaduct-nat", "postrouting");
        assertThat(nat.pass(pools)).isEmpty();
        assertThat(netns.execOk(ns, "nft", "list", "table", "ip", "viaduct-nat")).contains("masquerade");
        assertThat(nat.writes.get()).isEqualTo(writes + 1);

        // a foreign table is never touched
        netns.execOk(ns, "nft", "add", "table", "ip", "mine");
        // no pool wants NAT any more: both tables go
        assertThat(nat.pass(List.of(pool("10.244.0.0/16", false)))).isEmpty();
        assertThat(netns.exec(ns, "nft", "list", "table", "ip", "viaduct-nat").ok()).isFalse();
        assertThat(netns.exec(ns, "nft", "list", "table", "ip6", "viaduct-nat").ok()).isFalse();
        assertThat(netns.execOk(ns, "nft", "list", "tables")).contains("table ip mine");
        assertThat(nat.state()).containsEntry("ip", "absent").containsEntry("ip6", "absent");
    }
}
