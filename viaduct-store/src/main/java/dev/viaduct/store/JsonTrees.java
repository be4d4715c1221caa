package dev.viaduct.store;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON trees ({@link JsonNode}) read and written with jackson-core's streaming parser and generator, without
 * building databind's {@code JsonMapper}: the mapper sets up java.time support, {@code StdDateFormat} and the
 * default locale's calendar data whether they are used or not, which is a third of a short-lived command's run
 * time ({@code viaduct ctl}). The trees are the ones {@code mapper.readTree} builds (ints as int nodes when they
 * fit, duplicate keys: the last wins, no content: {@link MissingNode}); what the mapper refuses this refuses with
 * the mapper's own error (a parse error is jackson-core's either way; a trailing value is checked by the mapper).
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonTrees {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    /** An empty object node (as {@code mapper.createObjectNode()}). */
    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** An empty array node (as {@code mapper.createArrayNode()}). */
    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** The tree of {@code json} (UTF-8). */
    public static JsonNode read(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonNode tree = root(p);
            if (tree != null) {
                return tree;
            }
        }
        return JsonCodec.mapper().readTree(json); // something after the value: the mapper's error
    }

    /** The tree of {@code json}. */
    public static JsonNode read(String json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonNode tree = root(p);
            if (tree != null) {
                return tree;
            }
        }
        return JsonCodec.mapper().readTree(json);
    }

    /** {@code tree} as compact JSON (UTF-8), as {@code mapper.writeValueAsBytes(tree)}. */
    public static byte[] write(JsonNode tree) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            write(g, tree);
        }
        return out.toByteArray();
    }

    /**
     * {@code tree} as indented JSON, as {@code mapper.writerWithDefaultPrettyPrinter().writeValueAsString(tree)}
     * (jackson-core's {@link DefaultPrettyPrinter}: two spaces, {@code "name" : value}, {@code [ ]} when empty).
     */
    public static String writePretty(JsonNode tree) {
        StringWriter out = new StringWriter(256);
        ObjectWriteContext pretty = new ObjectWriteContext.Base() {
            @Override
            public PrettyPrinter getPrettyPrinter() {
                return new DefaultPrettyPrinter();
            }
        };
        try (JsonGenerator g = FACTORY.createGenerator(pretty, out)) {
            write(g, tree);
        }
        return out.toString();
    }

    /** The root value, MissingNode for no content, or null when a token follows the value. */
    private static JsonNode root(JsonParser p) throws JacksonException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return MissingNode.getInstance();
        }
        JsonNode tree = value(p, t);
        return p.nextToken() == null ? tree : null;
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws JacksonException {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                // nextName, as databind's tree reader: the parser then reports a bad value in the same words
                for (String name = p.nextName(); name != null; name = p.nextName()) {
                    o.set(name, value(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(value(p, e));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.stringNode(p.getString());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IllegalStateException("unexpected JSON token " + t); // the parser checks the structure
        };
    }

    private static void write(JsonGenerator g, JsonNode n) throws JacksonException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) {
                    write(g, e);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.asString());
            case BOOLEAN -> g.writeBoolean(n.asBoolean());
            case NUMBER -> {
                if (n.isInt()) {
                    g.writeNumber(n.intValue());
                } else if (n.isLong()) {
                    g.writeNumber(n.longValue());
                } else if (n.isBigInteger()) {
                    g.writeNumber(n.bigIntegerValue());
                } else if (n.isBigDecimal()) {
                    g.writeNumber(n.decimalValue());
                } else {
                    g.writeNumber(n.doubleValue());
                }
            }
            case NULL -> g.writeNull();
            default -> throw new IllegalArgumentException("cannot write a " + n.getNodeType() + " node as JSON");
        }
    }
}
