package dev.viaduct.bgp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeapBudgetTest {
    static final String HEAD = "asn: 65000\nrouterId: 10.0.0.1\nfamilies: [ipv4-unicast]\nexpectedRoutes: {ipv4-unicast: 1000000}\n";

    @Test
    void baseAndPeersWithoutRoutes() {
        assertThat(HeapBudget.megabytes(0, 0, 0, 0)).isEqualTo(40);
        assertThat(HeapBudget.megabytes(10, 0, 0, 0)).isEqualTo(50);
    }

    @Test
    void oneMillionIpv4RoutesFromOnePeerThatIsSentNothing() {
        // 40 MiB + 1 MiB + 1M x 18 B = 58.2 MiB, rounded up
        assertThat(HeapBudget.megabytes(1, 0, 1_000_000, 0)).isEqualTo(59);
    }

    @Test
    void theLocRibFigureCoversTheTableSizedForTheExpectedRoutes() {
        // PrefixMap(family, n) has ceil(n / 0.7) + 1 slots (PrefixMapTest): 12 bytes each for IPv4, 21 for IPv6
        long slots = (long) Math.ceil(1_000_000 / 0.7) + 1;
        assertThat(HeapBudget.LOC_RIB_V4_BYTES * 1_000_000).isGreaterThanOrEqualTo(slots * 12);
        assertThat(HeapBudget.LOC_RIB_V6_BYTES * 1_000_000).isGreaterThanOrEqualTo(slots * 21);
        // a table that doubles holds its old and new arrays at once: 1/0.7 + 2/0.7 slots per prefix at the worst
        assertThat(HeapBudget.TABLE_V4_BYTES).isGreaterThanOrEqualTo((long) Math.ceil(3 / 0.7 * 12));
        assertThat(HeapBudget.TABLE_V6_BYTES).isGreaterThanOrEqualTo((long) Math.ceil(3 / 0.7 * 21));
    }

    @Test
    void moreOfAnythingNeverNeedsLess() {
        long b = HeapBudget.megabytes(2, 1, 500_000, 100_000);
        assertThat(HeapBudget.megabytes(3, 1, 500_000, 100_000)).isGreaterThan(b);
        assertThat(HeapBudget.megabytes(2, 2, 500_000, 100_000)).isGreaterThan(b);
        assertThat(HeapBudget.megabytes(2, 1, 600_000, 100_000)).isGreaterThan(b);
        assertThat(HeapBudget.megabytes(2, 1, 500_000, 200_000)).isGreaterThan(b);
    }

    @Test
    void tablesFollowThePeersPolicies() throws ConfigException {
        // import everything unchanged and export nothing: only the Loc-RIB
        assertThat(HeapBudget.otherTables(SpeakerConfigFile.parse(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 65001, export: reject}\n"))).isZero();
        // the defaults export everything: an Adj-RIB-Out
        assertThat(HeapBudget.otherTables(SpeakerConfigFile.parse(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 65001}\n"))).isEqualTo(1);
        // an import policy with terms keeps the Adj-RIB-In too
        var both = SpeakerConfigFile.parse(HEAD + "peers:\n  - {address: 10.0.0.2, asn: 65001, import: {default: accept, terms: [{prefixes: [\"10.0.0.0/8\"], action: reject}]}}\n");
        assertThat(HeapBudget.otherTables(both)).isEqualTo(2);
        assertThat(HeapBudget.megabytes(both)).isEqualTo(HeapBudget.megabytes(1, 2, 1_000_000, 0));
    }

    @Test
    void peersSentRoutesAlikeShareOneAdjRibOut() throws ConfigException {
        StringBuilder clients = new StringBuilder(HEAD + "peers:\n");
        for (int i = 0; i < 100; i++) {
            clients.append("  - {address: 10.1.0.").append(i + 1).append(", asn: 65000, rrClient: true}\n");
        }
        // one group: its table, the members' exceptions and the table of a member being brought up to date
        assertThat(HeapBudget.otherTables(SpeakerConfigFile.parse(clients.toString()))).isEqualTo(3);
        // a member with its own export policy is a group of its own
        clients.append("  - {address: 10.2.0.1, asn: 65000, rrClient: true, export: {default: accept, terms: [{prefixes: [\"10.0.0.0/8\"], action: reject}]}}\n");
        assertThat(HeapBudget.otherTables(SpeakerConfigFile.parse(clients.toString()))).isEqualTo(4);
    }

    @Test
    void negativeInputIsRefused() {
        assertThatThrownBy(() -> HeapBudget.megabytes(-1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> HeapBudget.megabytes(0, 0, -5, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }
}
