package dev.viaduct.agent.nat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.overlay.PoolSettings;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.sys.net.IpPrefix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NatOutgoingTest {
    /** Holds tables as the scripts leave them and answers listTable with nft-style JSON. */
    static final class FakeNft implements Nft {
        final Map<String, NatRules.Table> tables = new TreeMap<>();
        final List<String> scripts = new ArrayList<>();
        String missing = "";

        @Override
        public synchronized void apply(String script) {
            scripts.add(script);
            String family = script.startsWith("table ip6 ") ? "ip6" : "ip";
            tables.remove(family);
            if (script.contains("masquerade")) {
                tables.put(family, new NatRules.Table(elems(script, "set pools"), elems(script, "set nat-pools")));
            }
        }

        private static java.util.SortedSet<IpPrefix> elems(String script, String set) {
            String after = script.substring(script.indexOf(set));
            String list = after.substring(after.indexOf("elements = { ") + 13, after.indexOf(" }"));
            java.util.SortedSet<IpPrefix> out = new java.util.TreeSet<>();
            for (String c : list.split(", ")) {
                out.add(IpPrefix.parse(c));
            }
            return out;
        }

        @Override
        public synchronized Optional<String> listTable(String family, String table) {
            NatRules.Table t = tables.get(family);
            if (t == null) {
                return Optional.empty();
            }
            StringBuilder j = new StringBuilder("{\"nftables\": [{\"table\": {}}");
            for (var e : List.of(Map.entry("pools", t.pools()), Map.entry("nat-pools", t.natPools()))) {
                j.append(", {\"set\": {\"name\": \"").append(e.getKey()).append("\", \"elem\": [")
                        .append(String.join(", ", e.getValue().stream().map(c -> "{\"prefix\": {\"addr\": \"" + c.addressText()
                                + "\", \"len\": " + c.length() + "}}").toList())).append("]}}");
            }
            j.append(NatRulesTest.REAL.substring(NatRulesTest.REAL.indexOf(", {\"chain\"")));
            return Optional.of(j.toString());
        }

        @Override
        public String unavailableReason() {
            return missing;
        }
    }

    static PoolSettings pool(String cidr, boolean nat) {
        return new PoolSettings(IpPrefix.parse(cidr), EncapMode.NEVER, EncapMode.NEVER, nat);
    }

    @Test
    void writesOnlyWhatDiffersAndDeletesWhenNoPoolWantsNat() {
        FakeNft nft = new FakeNft();
        NatOutgoing n = new NatOutgoing(nft, Duration.ofMinutes(1));
        assertThat(n.pass(List.of(pool("10.244.0.0/16", false)))).isEmpty();
        assertThat(nft.scripts).isEmpty();

        assertThat(n.pass(List.of(pool("10.244.0.0/16", true), pool("10.245.0.0/16", false)))).isEmpty();
        assertThat(nft.tables.get("ip").natPools()).containsExactly(IpPrefix.parse("10.244.0.0/16"));
        assertThat(nft.tables.get("ip").pools()).hasSize(2);
        assertThat(nft.tables).doesNotContainKey("ip6");
        int writes = nft.scripts.size();

        // same pools again: read back, equal, nothing written
        n.pass(List.of(pool("10.244.0.0/16", true), pool("10.245.0.0/16", false)));
        assertThat(nft.scripts).hasSize(writes);

        // drift: someone emptied the nat set → rewritten
        nft.tables.put("ip", new NatRules.Table(nft.tables.get("ip").pools(), new java.util.TreeSet<>(List.of(IpPrefix.parse("10.9.0.0/16")))));
        n.pass(List.of(pool("10.244.0.0/16", true), pool("10.245.0.0/16", false)));
        assertThat(nft.tables.get("ip").natPools()).containsExactly(IpPrefix.parse("10.244.0.0/16"));

        n.pass(List.of(pool("10.244.0.0/16", false), pool("10.245.0.0/16", false)));
        assertThat(nft.tables).isEmpty();
        assertThat(nft.scripts.getLast()).isEqualTo("table ip viaduct-nat\ndelete table ip viaduct-nat\n");
        assertThat(n.writes.get()).isEqualTo(3);
    }

    @Test
    void aMissingNftIsReportedWhenNatIsWanted() {
        List<String> calls = new ArrayList<>();
        NatOutgoing n = new NatOutgoing(new Nft() {
            @Override
            public void apply(String script) throws NftException {
                calls.add(script);
                throw new NftException("the nft binary was not found");
            }

            @Override
            public Optional<String> listTable(String family, String table) throws NftException {
                calls.add("list " + family);
                throw new NftException("the nft binary was not found");
            }

            @Override
            public String unavailableReason() {
                return "the nft binary was not found";
            }
        }, Duration.ofMinutes(1));
        // nothing wanted: nft is not even asked
        assertThat(n.pass(List.of(pool("10.244.0.0/16", false)))).isEmpty();
        assertThat(calls).isEmpty();
        assertThat(n.pass(List.of(pool("10.244.0.0/16", true)))).contains("nft binary was not found");
        assertThat(n.problem()).contains("ip: the nft binary was not found");
    }
}
