package dev.viaduct.store.etcd;

import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * What etcd's JSON gateway answers, read: a body as JSON (or why it is not), key-values and int64 fields in proto3's
 * JSON mapping, a streamed message's result or error, and a failed call's {@code {"code": <gRPC code>, "message": ...}} as the {@link StoreException} its gRPC status
 * means. Pure: no I/O, no state.
 */
final class GatewayAnswers {
    private GatewayAnswers() {
    }

    static JsonNode parse(String what, String endpoint, int status, byte[] answer) {
        try {
            return JsonTrees.read(answer);
        } catch (JacksonException e) {
            String text = new String(answer, 0, Math.min(answer.length, 200), StandardCharsets.UTF_8).strip();
            if (text.contains("CommonName of client")) {
                throw new StoreException(Reason.AUTH, "etcd " + what + ": " + endpoint + " " + REFUSES_GATEWAY + " ('" + text + "')", e);
            }
            if (status == 404) {
                throw new StoreException(Reason.REJECTED, "etcd " + what + ": " + endpoint + " " + SERVES_NO_GATEWAY
                        + " (HTTP 404 for a v3 API path: was etcd started with --enable-grpc-gateway=false?)", e);
            }
            throw new StoreException(Reason.INTERNAL, "etcd " + what + ": " + endpoint + " answered HTTP " + status
                    + " with something that is not JSON (is it etcd's client URL?): " + text, e);
        }
    }

    /**
     * Whether etcd refused this client's requests only because they come through the gateway: with authentication
     * enabled, etcd (embed/serve.go) answers every gateway request whose client certificate has a CommonName with
     * HTTP 400, because over gRPC that CommonName would be the user; and an etcd started with
     * {@code --enable-grpc-gateway=false} serves no gateway at all (HTTP 404). gRPC ({@link EtcdDatastore}) works
     * in both cases.
     */
    static boolean refusesGateway(StoreException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains(REFUSES_GATEWAY) || m.contains(SERVES_NO_GATEWAY);
    }

    private static final String SERVES_NO_GATEWAY = "serves no JSON gateway";

    private static final String REFUSES_GATEWAY = "refuses JSON-gateway requests from a client certificate with a CommonName"
            + " while authentication is enabled";

    /**
     * One message of a streamed answer ({@code {"result": ...}}), or its {@code {"error": {"grpc_code": ...}}} as a
     * {@link StoreException}.
     */
    static JsonNode streamed(String what, JsonNode message) {
        JsonNode error = message.path("error");
        if (!error.isMissingNode()) {
            throw failure(what, error.path("grpc_code").asInt(-1), error.path("http_code").asInt(500),
                    error.path("message").asString("stream error"));
        }
        return message.path("result");
    }

    /** The gateway's error answer as a {@link StoreException}: gRPC status codes as {@link EtcdDatastore#mapped}. */
    static StoreException failure(String what, int httpStatus, JsonNode answer) {
        return failure(what, answer.path("code").asInt(-1), httpStatus,
                answer.path("message").asString(answer.path("error").asString("HTTP " + httpStatus)));
    }

    private static StoreException failure(String what, int code, int httpStatus, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        Reason reason = switch (code) {
            case 1, 4, 10, 14 -> Reason.UNAVAILABLE; // CANCELLED, DEADLINE_EXCEEDED, ABORTED, UNAVAILABLE
            case 7, 16 -> Reason.AUTH; // PERMISSION_DENIED, UNAUTHENTICATED
            case 3, 5, 6, 8, 9, 11 -> lower.contains("auth") || lower.contains("password") || lower.contains("user")
                    ? Reason.AUTH : Reason.REJECTED;
            default -> httpStatus == 503 ? Reason.UNAVAILABLE : Reason.INTERNAL;
        };
        return new StoreException(reason, "etcd " + what + ": " + message, null);
    }

    /** A range answer's first key-value, if any. */
    static Optional<KeyValue> first(JsonNode rangeResponse) {
        JsonNode kvs = rangeResponse.path("kvs");
        return kvs.isEmpty() ? Optional.empty() : Optional.of(keyValue(kvs.get(0)));
    }

    static KeyValue keyValue(JsonNode kv) {
        return new KeyValue(new String(Base64.getDecoder().decode(kv.path("key").asString("")), StandardCharsets.UTF_8),
                Base64.getDecoder().decode(kv.path("value").asString("")), number(kv.path("create_revision")), number(kv.path("mod_revision")),
                number(kv.path("version")), number(kv.path("lease")));
    }

    static long revision(JsonNode answer) {
        return number(answer.path("header").path("revision"));
    }

    /** An int64 field: a JSON string in proto3's JSON mapping, absent when 0. */
    static long number(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? 0 : n.isNumber() ? n.asLong() : Long.parseLong(n.asString());
    }
}
