package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabPodsTest {
    @Test
    void aPodsAddressesAreTheCniResultsIpsWithoutPrefixLength() {
        var result = CniRuntime.JSON.readTree("""
                {"cniVersion":"1.1.0","ips":[{"address":"10.244.1.5/32","gateway":"169.254.1.1"},
                {"address":"fd00:244::5/128"}]}""");
        assertThat(LabPods.addresses(result)).containsExactly("10.244.1.5", "fd00:244::5");
        assertThat(LabPods.addresses(CniRuntime.JSON.readTree("{\"cniVersion\":\"1.1.0\"}"))).isEmpty();
    }
}
