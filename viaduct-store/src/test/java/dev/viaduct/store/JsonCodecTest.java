package dev.viaduct.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@link JsonCodec}'s record binding decodes what databind decodes, and leaves every value it is not certain of to
 * databind (so errors stay databind's); {@link JsonTrees} reads and writes the trees the mapper does.
 */
class JsonCodecTest {
    record Vtep(String address, String mac) {
    }

    record Node(String name, List<String> addresses, String uplink, Map<String, String> labels, String mode, long asn,
            Vtep vtep, String agentVersion, String agentUrl) {
        Node {
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    record Allocation(String address, String handle, String node) {
    }

    record Block(String cidr, String affinity, Integer next, List<Allocation> allocations, Boolean disabled, int size) {
    }

    record Checked(String name) {
        Checked {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: missing");
            }
        }
    }

    private static final List<String> NODES = List.of(
            "{\"name\":\"n1\",\"addresses\":[\"10.0.0.1/24\"],\"mode\":\"host-gw\",\"asn\":64512,\"agentUrl\":\"http://a:1\"}",
            "{\"name\":\"n2\",\"addresses\":[],\"uplink\":\"eth0\",\"labels\":{\"a\":\"b\",\"c\":\"d\"},\"mode\":\"bgp\",\"asn\":0,"
                    + "\"vtep\":{\"address\":\"10.244.0.1\",\"mac\":\"aa:bb\"},\"agentVersion\":\"1\",\"unknown\":[1,{\"x\":null}]}",
            "{\"name\":\"n3\",\"asn\":4294967296,\"vtep\":null,\"labels\":null,\"addresses\":null}",
            "{\"asn\":1,\"name\":\"n4\",\"name\":\"n5\"}");

    private static final List<String> BLOCKS = List.of(
            "{\"cidr\":\"10.244.0.0/26\",\"affinity\":\"n1\",\"next\":3,\"allocations\":[{\"address\":\"10.244.0.1\","
                    + "\"handle\":\"h\",\"node\":\"n1\"}],\"size\":64}",
            "{\"cidr\":\"10.244.0.0/26\",\"next\":null,\"allocations\":[null],\"disabled\":true,\"size\":-1}");

    /** Values databind decodes differently from a plain reading, or refuses: the codec must answer exactly as databind. */
    private static final List<String> NODES_DATABIND_DECIDES = List.of(
            "{\"name\":5,\"asn\":1}", "{\"name\":\"n\",\"asn\":\"7\"}", "{\"name\":\"n\",\"asn\":1.0}", "{\"name\":\"n\"}",
            "{\"name\":\"n\",\"asn\":null}", "{\"name\":\"n\",\"asn\":1,\"addresses\":\"10.0.0.1/24\"}",
            "{\"name\":\"n\",\"asn\":1,\"addresses\":[null]}", "{\"name\":\"n\",\"asn\":1,\"labels\":{\"a\":1}}",
            "{\"name\":\"n\",\"asn\":1,\"vtep\":\"x\"}", "[]", "null", "\"n\"", "", "{", "{\"name\":\"n\",\"asn\":1} {}",
            "{\"name\":\"n\",\"asn\":true}");

    private static Object databind(String json, Class<?> type) {
        try {
            return JsonCodec.mapper().readValue(json, type);
        } catch (JacksonException e) {
            return "error: " + e.getOriginalMessage();
        }
    }

    private static Object codec(String json, Class<?> type) {
        try {
            return JsonCodec.of(type).decode("k", json.getBytes(StandardCharsets.UTF_8));
        } catch (StoreException e) {
            return "error: " + e.getMessage();
        }
    }

    @Test
    void plainRecordsDecodeAsDatabindDecodesThem() {
        for (String json : NODES) {
            assertEquals(databind(json, Node.class), codec(json, Node.class), json);
        }
        for (String json : BLOCKS) {
            assertEquals(databind(json, Block.class), codec(json, Block.class), json);
        }
        Node n = (Node) codec(NODES.get(1), Node.class);
        assertEquals(new Vtep("10.244.0.1", "aa:bb"), n.vtep());
        assertEquals(Map.of("a", "b", "c", "d"), n.labels());
    }

    @Test
    void whatTheBindingIsNotCertainOfIsDatabindsToDecodeOrRefuse() {
        for (String json : NODES_DATABIND_DECIDES) {
            Object expected;
            try {
                Object v = JsonCodec.mapper().readValue(json, Node.class);
                expected = v == null ? null : v;
            } catch (JacksonException e) {
                expected = null; // refused: the codec must refuse too, as CORRUPT naming the key
            }
            if (expected != null) {
                assertEquals(expected, codec(json, Node.class), json);
            } else {
                StoreException e = assertThrows(StoreException.class,
                        () -> JsonCodec.of(Node.class).decode("k", json.getBytes(StandardCharsets.UTF_8)), json);
                assertEquals(StoreException.Reason.CORRUPT, e.reason(), json);
                assertTrue(e.getMessage().startsWith("key k: "), e.getMessage());
            }
        }
    }

    @Test
    void aConstructorsOwnCheckIsReportedInDatabindsWords() {
        StoreException e = assertThrows(StoreException.class,
                () -> JsonCodec.of(Checked.class).decode("/x/1", "{\"name\":\"\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("key /x/1: not a valid Checked: name: missing", e.getMessage());
        assertEquals(new Checked("ok"), JsonCodec.of(Checked.class).decode("k", "{\"name\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void treesAreTheMappersTrees() {
        for (String json : List.of("{\"a\":[1,2147483648,12345678901234567890,1.5,-0.0,true,false,null,\"s\\u00e9\"],"
                + "\"b\":{\"c\":{}},\"a2\":[]}", "{\"k\":1,\"k\":2}", "[]", "7", "\"x\"", "", "  ")) {
            JsonNode mine = JsonTrees.read(json.getBytes(StandardCharsets.UTF_8));
            JsonNode theirs = JsonCodec.mapper().readTree(json.getBytes(StandardCharsets.UTF_8));
            assertEquals(theirs, mine, json);
            assertEquals(theirs.getClass(), mine.getClass(), json);
            if (!mine.isMissingNode()) {
                assertEquals(new String(JsonCodec.mapper().writeValueAsBytes(theirs), StandardCharsets.UTF_8),
                        new String(JsonTrees.write(mine), StandardCharsets.UTF_8), json);
                assertEquals(JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(theirs), JsonTrees.writePretty(mine),
                        json);
            }
        }
        assertEquals(JsonCodec.mapper().readTree("{\"a\":1}"), JsonTrees.read("{\"a\":1}"));
    }

    @Test
    void whatTheMapperRefusesIsRefusedWithItsMessage() {
        for (String json : List.of("{} x", "{}{}", "[1] 2", "{", "nul", "{\"a\":}")) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            assertEquals(assertThrows(JacksonException.class, () -> JsonCodec.mapper().readTree(bytes), json).getOriginalMessage(),
                    assertThrows(JacksonException.class, () -> JsonTrees.read(bytes), json).getOriginalMessage(), json);
            assertEquals(assertThrows(JacksonException.class, () -> JsonCodec.mapper().readTree(json), json).getOriginalMessage(),
                    assertThrows(JacksonException.class, () -> JsonTrees.read(json), json).getOriginalMessage(), json);
        }
    }
}
