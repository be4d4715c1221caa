package dev.viaduct.policy.nft;

import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The policy table as {@code nft -j list table} shows it, reduced to what identifies its contents, plus its
 * named counters' values. Two listings with equal {@link #content} are the same table: the counters' packet
 * and byte values and nft's {@code metainfo} (versions) are left out, object handles are kept (a chain or
 * rule deleted and added back by hand gets new handles, which is drift too). Pure.
 */
public record KernelTable(String content, Map<String, Long> counterPackets) {
    private static final JsonMapper JSON = JsonMapper.shared();

    public static KernelTable parse(String json) {
        JsonNode root = JSON.readTree(json);
        JsonNode items = root.get("nftables");
        ArrayNode kept = JSON.createArrayNode();
        Map<String, Long> counters = new TreeMap<>();
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                if (item.has("metainfo")) {
                    continue;
                }
                JsonNode c = item.get("counter");
                if (c instanceof ObjectNode co) {
                    ObjectNode copy = co.deepCopy();
                    counters.put(co.path("name").asString(), co.path("packets").asLong());
                    copy.remove("packets");
                    copy.remove("bytes");
                    ObjectNode wrapped = JSON.createObjectNode();
                    wrapped.set("counter", copy);
                    kept.add(wrapped);
                    continue;
                }
                kept.add(item);
            }
        }
        return new KernelTable(kept.toString(), counters);
    }
}
