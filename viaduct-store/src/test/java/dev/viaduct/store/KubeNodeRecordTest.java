package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kube node record's JSON: equal records are equal bytes whatever order the labels came in. */
class KubeNodeRecordTest {
    @Test
    void labelsEncodeSortedSoEqualRecordsAreEqualBytesAndTheyRoundTrip() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("zone", "a");
        a.put("rack", "r1");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("rack", "r1");
        b.put("zone", "a");
        byte[] ea = KubeNodeRecord.CODEC.encode(new KubeNodeRecord(a, true));
        assertThat(ea).isEqualTo(KubeNodeRecord.CODEC.encode(new KubeNodeRecord(b, true)));
        assertThat(new String(ea, StandardCharsets.UTF_8)).isEqualTo("{\"labels\":{\"rack\":\"r1\",\"zone\":\"a\"},\"deleted\":true}");
        assertThat(KubeNodeRecord.CODEC.decode("k", ea)).isEqualTo(new KubeNodeRecord(b, true));
    }
}
