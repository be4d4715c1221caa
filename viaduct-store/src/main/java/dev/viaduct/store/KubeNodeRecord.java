package dev.viaduct.store;

import java.util.Map;

/**
 * {@code PREFIX/kube/nodes/NAME}: a Kubernetes Node as kube-controllers (its one writer) sees it. Agents read
 * the labels (merged into their node record, so pool and BGP selectors follow {@code kubectl label node});
 * the IPAM reclaimer reads the deletion mark (a deleted Node's addresses and blocks are reclaimed at once).
 *
 * @param labels  the Node's {@code metadata.labels}
 * @param deleted the Node is gone from the API; the record stays as the mark until reclamation removes it
 */
public record KubeNodeRecord(Map<String, String> labels, boolean deleted) {
    public static final JsonCodec<KubeNodeRecord> CODEC = JsonCodec.of(KubeNodeRecord.class);

    public KubeNodeRecord {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
