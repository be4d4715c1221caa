package dev.viaduct.policy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelTableTest {
    private static String listing(String version, long packets, String chainHandle) {
        return """
                {"nftables": [{"metainfo": {"version": "%s", "json_schema_version": 1}},
                 {"table": {"family": "inet", "name": "viaduct-policy", "handle": 1}},
                 {"counter": {"family": "inet", "name": "drop-in_x_p", "table": "viaduct-policy", "handle": 2,
                   "packets": %d, "bytes": %d}},
                 {"chain": {"family": "inet", "table": "viaduct-policy", "name": "ingress", "handle": %s}}]}"""
                .formatted(version, packets, packets * 60, chainHandle);
    }

    @Test
    void counterValuesAndVersionsDoNotMakeATableDifferentButHandlesDo() {
        KernelTable a = KernelTable.parse(listing("1.0.6", 0, "3"));
        KernelTable b = KernelTable.parse(listing("1.0.9", 42, "3"));
        assertThat(a.content()).isEqualTo(b.content());
        assertThat(b.counterPackets()).containsEntry("drop-in_x_p", 42L);
        assertThat(KernelTable.parse(listing("1.0.6", 0, "7")).content()).as("a chain re-created by hand").isNotEqualTo(a.content());
    }
}
