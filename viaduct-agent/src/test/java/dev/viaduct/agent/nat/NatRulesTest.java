package dev.viaduct.agent.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class NatRulesTest {
    /** What nft 1.0.6 printed for the table replaceScript builds (captured on Debian 12). */
    static final String REAL = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, \
            {"table": {"family": "ip", "name": "viaduct-nat", "handle": 2}}, {"set": {"family": "ip", "name": "pools", \
            "table": "viaduct-nat", "type": "ipv4_addr", "handle": 2, "flags": ["interval"], "elem": [{"prefix": \
            {"addr": "10.244.0.0", "len": 16}}, {"prefix": {"addr": "10.245.0.0", "len": 16}}]}}, {"set": {"family": "ip", \
            "name": "nat-pools", "table": "viaduct-nat", "type": "ipv4_addr", "handle": 3, "flags": ["interval"], "elem": \
            [{"prefix": {"addr": "10.244.0.0", "len": 16}}]}}, {"chain": {"family": "ip", "table": "viaduct-nat", "name": \
            "postrouting", "handle": 1, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}}, {"rule": \
            {"family": "ip", "table": "viaduct-nat", "chain": "postrouting", "handle": 4, "expr": [{"match": {"op": "==", \
            "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@nat-pools"}}, {"match": {"op": "!=", \
            "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@pools"}}, {"masquerade": null}]}}]}""";

    static List<IpPrefix> cidrs(String... c) {
        return java.util.Arrays.stream(c).map(IpPrefix::parse).toList();
    }

    @Test
    void desiredTableOnlyWhenSomePoolOfTheFamilyWantsNat() {
        var all = cidrs("10.244.0.0/16", "10.245.0.0/16", "fd00:10::/64");
        assertThat(NatRules.desired(NatRules.Family.IPV4, all, cidrs())).isEmpty();
        var t = NatRules.desired(NatRules.Family.IPV4, all, cidrs("10.244.0.0/16")).orElseThrow();
        assertThat(t.natPools()).containsExactly(IpPrefix.parse("10.244.0.0/16"));
        assertThat(t.pools()).containsExactly(IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.245.0.0/16"));
        assertThat(NatRules.desired(NatRules.Family.IPV6, all, cidrs("10.244.0.0/16"))).isEmpty();
        assertThat(NatRules.desired(NatRules.Family.IPV6, all, cidrs("fd00:10::/64")).orElseThrow().pools())
                .containsExactly(IpPrefix.parse("fd00:10::/64"));
    }

    @Test
    void theScriptReplacesTheTableAtomicallyAndMasqueradesOnlyOutsideThePools() {
        var t = NatRules.desired(NatRules.Family.IPV4, cidrs("10.244.0.0/16", "10.245.0.0/16"), cidrs("10.244.0.0/16")).orElseThrow();
        String s = NatRules.replaceScript(NatRules.Family.IPV4, t);
        assertThat(s).startsWith("table ip viaduct-nat\ndelete table ip viaduct-nat\ntable ip viaduct-nat {\n");
        assertThat(s).contains("set nat-pools {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.244.0.0/16 }")
                .contains("elements = { 10.244.0.0/16, 10.245.0.0/16 }")
                .contains("type nat hook postrouting priority srcnat; policy accept;")
                .contains("ip saddr @nat-pools ip daddr != @pools masquerade");
        assertThat(NatRules.deleteScript(NatRules.Family.IPV6)).isEqualTo("table ip6 viaduct-nat\ndelete table ip6 viaduct-nat\n");
    }

    @Test
    void nftsJsonReadsBackAsTheTableItWasBuiltFrom() throws Exception {
        var want = NatRules.desired(NatRules.Family.IPV4, cidrs("10.244.0.0/16", "10.245.0.0/16"), cidrs("10.244.0.0/16"));
        assertThat(NatRules.parse(REAL)).isEqualTo(want);
    }

    @Test
    void aTableChangedByHandIsNotTakenForOurs() throws Exception {
        // rule verdict changed to accept: no masquerade
        assertThat(NatRules.parse(REAL.replace("{\"masquerade\": null}", "{\"accept\": null}"))).isEmpty();
        // rule deleted
        assertThat(NatRules.parse(REAL.substring(0, REAL.indexOf(", {\"rule\"")) + "]}")).isEmpty();
        // a set renamed
        assertThat(NatRules.parse(REAL.replace("\"name\": \"nat-pools\"", "\"name\": \"other\""))).isEmpty();
        // a chain hooked elsewhere
        assertThat(NatRules.parse(REAL.replace("\"hook\": \"postrouting\"", "\"hook\": \"prerouting\""))).isEmpty();
        // an extra element range
        assertThat(NatRules.parse(REAL.replace("[{\"prefix\": {\"addr\": \"10.244.0.0\", \"len\": 16}}]}}",
                "[{\"range\": [\"10.0.0.1\", \"10.0.0.9\"]}]}}"))).isEmpty();
    }

    @Test
    void outputThatIsNotNftJsonIsATypedError() {
        assertThatThrownBy(() -> NatRules.parse("Error: nothing")).isInstanceOf(NatRules.UnreadableTable.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> NatRules.parse("{\"x\": 1}")).isInstanceOf(NatRules.UnreadableTable.class)
                .hasMessageContaining("\"nftables\"");
    }

    @Provide
    Arbitrary<List<IpPrefix>> pools() {
        return Arbitraries.integers().between(0, 255).set().ofMinSize(1).ofMaxSize(6)
                .map(s -> s.stream().map(i -> IpPrefix.parse("10." + i + ".0.0/16")).toList());
    }

    /** Whatever the pools, what nft would print for our table reads back as the table (JSON as nft 1.0 writes it). */
    @Property(tries = 200)
    void renderedTablesReadBack(@ForAll("pools") List<IpPrefix> all, @ForAll("pools") List<IpPrefix> nat) throws Exception {
        var t = NatRules.desired(NatRules.Family.IPV4, all, nat).orElseThrow();
        StringBuilder j = new StringBuilder("{\"nftables\": [{\"metainfo\": {}}, {\"table\": {\"family\": \"ip\", \"name\": \"viaduct-nat\"}}");
        for (var e : List.of(java.util.Map.entry("pools", t.pools()), java.util.Map.entry("nat-pools", t.natPools()))) {
            j.append(", {\"set\": {\"name\": \"").append(e.getKey()).append("\", \"elem\": [");
            j.append(String.join(", ", e.getValue().stream().map(c -> "{\"prefix\": {\"addr\": \"" + c.addressText()
                    + "\", \"len\": " + c.length() + "}}").toList()));
            j.append("]}}");
        }
        j.append(REAL.substring(REAL.indexOf(", {\"chain\"")));
        assertThat(NatRules.parse(j.toString())).isEqualTo(Optional.of(t));
    }

    /** Random bytes give the typed error or "not ours", never anything else. */
    @Property(tries = 300)
    void randomOutputGivesOnlyTheTypedError(@ForAll String junk) {
        try {
            NatRules.parse(junk);
        } catch (NatRules.UnreadableTable e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
