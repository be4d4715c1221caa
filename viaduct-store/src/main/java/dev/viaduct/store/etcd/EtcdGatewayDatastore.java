package dev.viaduct.store.etcd;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Lease;
import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreException.Reason;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link Datastore} for one-shot commands ({@code viaduct ctl}), over etcd's JSON gateway ({@code POST /v3/kv/range},
 * {@code /v3/kv/txn}, ...: the same v3 API as gRPC, protobuf messages as JSON with base64 bytes and int64 as
 * strings) with {@link HttpURLConnection}. It exists for start time: jetcd brings gRPC, Netty and protobuf, hundreds
 * of milliseconds of class loading and initialisation for a command that makes a few requests ({@code java.net.http}
 * would cost a quarter of a second of CPU too: building a client sets up the default TLS context). Keys, values,
 * revisions, compare-and-swap transactions and leases have exactly {@link EtcdDatastore}'s semantics (the server
 * is the same); watches and keep-alives, which only long-running processes need, are not offered: use
 * {@link EtcdDatastore}. Plain {@code http://} endpoints only (TLS needs the client certificate handling jetcd has).
 *
 * <p>Endpoints are tried in order; a request moves on to the next only when it could not be sent (connection
 * refused), so no write is sent twice. With credentials, a token from {@code /v3/auth/authenticate} goes in
 * each request's {@code Authorization} header.
 *
 * <p>Concurrency: thread-safe (a connection per request, reused through the JDK's keep-alive cache; the token is
 * fetched once, on connect).
 */
public final class EtcdGatewayDatastore implements Datastore {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final StoreOptions options;
    private volatile String token;
    private volatile boolean closed;

    private EtcdGatewayDatastore(StoreOptions options) {
        this.options = options;
    }

    /**
     * Connects to etcd and checks the connection (and credentials) with one read within the dial timeout.
     *
     * @throws IllegalArgumentException when the endpoints are {@code https://}
     * @throws StoreException UNAVAILABLE when no endpoint answers in time, AUTH when the credentials are refused
     */
    public static EtcdGatewayDatastore connect(StoreOptions options) {
        if (options.tls()) {
            throw new IllegalArgumentException("etcd.endpoints: the gateway client speaks plain http://; use EtcdDatastore for TLS");
        }
        EtcdGatewayDatastore store = new EtcdGatewayDatastore(options);
        try {
            if (options.username() != null) {
                ObjectNode auth = object().put("name", options.username()).put("password", options.password());
                store.token = store.post("authenticate", "/v3/auth/authenticate", auth, options.dialTimeout()).path("token").asString();
            }
            store.post("connect", "/v3/kv/range", countOnly(options.prefix() + "/"), options.dialTimeout());
        } catch (StoreException e) {
            store.close();
            throw new StoreException(e.reason(), "etcd: cannot connect to " + options.endpoints() + ": " + e.getMessage(), e);
        }
        return store;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        JsonNode r = post("get " + key, "/v3/kv/range", object().put("key", b64(key)), options.requestTimeout());
        return first(r);
    }

    @Override
    public Listing list(String prefix) {
        Requests.requirePrefix(prefix);
        JsonNode r = post("list " + prefix, "/v3/kv/range",
                object().put("key", b64(prefix)).put("range_end", B64.encodeToString(rangeEnd(prefix))), options.requestTimeout());
        List<KeyValue> kvs = new ArrayList<>();
        for (JsonNode kv : r.path("kvs")) {
            kvs.add(keyValue(kv));
        }
        return new Listing(kvs, revision(r));
    }

    @Override
    public long put(String key, byte[] value) {
        return revision(post("put " + key, "/v3/kv/put", putRequest(key, value, 0), options.requestTimeout()));
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        return revision(post("put " + key, "/v3/kv/put", putRequest(key, value, lease.id()), options.requestTimeout()));
    }

    @Override
    public boolean delete(String key) {
        return number(post("delete " + key, "/v3/kv/deleterange", object().put("key", b64(key)), options.requestTimeout())
                .path("deleted")) > 0;
    }

    @Override
    public long deletePrefix(String prefix) {
        Requests.requirePrefix(prefix);
        return number(post("delete prefix " + prefix, "/v3/kv/deleterange",
                object().put("key", b64(prefix)).put("range_end", B64.encodeToString(rangeEnd(prefix))), options.requestTimeout()).path("deleted"));
    }

    @Override
    public TxnResult txn(Txn txn) {
        ObjectNode req = object();
        ArrayNode compare = req.putArray("compare");
        for (Txn.Compare c : txn.when()) {
            switch (c) {
                case Txn.Compare.ModRevision m -> compare.addObject().put("key", b64(m.key())).put("target", "MOD")
                        .put("result", "EQUAL").put("mod_revision", Long.toString(m.revision()));
            }
        }
        ops(req.putArray("success"), txn.then());
        ops(req.putArray("failure"), txn.otherwise());
        JsonNode r = post("txn on " + Requests.describe(txn), "/v3/kv/txn", req, options.requestTimeout());
        boolean succeeded = r.path("succeeded").asBoolean(false);
        List<Optional<KeyValue>> gets = new ArrayList<>();
        for (JsonNode resp : r.path("responses")) {
            if (resp.has("response_range")) {
                gets.add(first(resp.get("response_range")));
            }
        }
        return new TxnResult(succeeded, revision(r), gets);
    }

    @Override
    public long currentRevision() {
        return revision(post("current revision", "/v3/kv/range", countOnly(options.prefix() + "/"), options.requestTimeout()));
    }

    @Override
    public Lease grantLease(Duration ttl) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        JsonNode r = post("grant lease ttl=" + seconds + "s", "/v3/lease/grant", object().put("TTL", Long.toString(seconds)),
                options.requestTimeout());
        return new Lease(number(r.path("ID")), Duration.ofSeconds(number(r.path("TTL"))));
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        throw new UnsupportedOperationException("keep-alives need a long-lived connection: use EtcdDatastore");
    }

    @Override
    public void revokeLease(Lease lease) {
        try {
            post("revoke lease " + Long.toHexString(lease.id()), "/v3/lease/revoke",
                    object().put("ID", Long.toString(lease.id())), options.requestTimeout());
        } catch (StoreException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("lease not found")) {
                throw e;
            }
        }
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        JsonNode r = post("lease time-to-live " + Long.toHexString(lease.id()), "/v3/lease/timetolive",
                object().put("ID", Long.toString(lease.id())), options.requestTimeout());
        long ttl = number(r.path("TTL"));
        return ttl <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(ttl));
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        throw new UnsupportedOperationException("watches need a long-lived connection: use EtcdDatastore");
    }

    @Override
    public java.util.OptionalLong watchesStalledSince() {
        return java.util.OptionalLong.empty();
    }

    @Override
    public void close() {
        closed = true; // connections are the JDK's keep-alive cache's, which closes idle ones itself
    }

    // --- requests and error mapping ---

    /**
     * POSTs {@code body} to {@code path} at the first endpoint that takes the connection; the answer's JSON.
     * etcd's gateway answers a failed call with a non-200 status and {@code {"code": <gRPC code>, "message": ...}}.
     */
    private JsonNode post(String what, String path, ObjectNode body, Duration timeout) {
        if (closed) {
            throw new StoreException(Reason.CLOSED, "etcd datastore is closed");
        }
        byte[] json = JsonCodec.mapper().writeValueAsBytes(body);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        IOException refused = null;
        for (String endpoint : options.endpoints()) {
            HttpURLConnection c;
            try {
                c = (HttpURLConnection) URI.create(endpoint).resolve(path).toURL().openConnection(Proxy.NO_PROXY);
                c.setConnectTimeout(timeoutMs);
                c.setReadTimeout(timeoutMs);
                c.setDoOutput(true);
                c.setRequestMethod("POST");
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(json.length);
                if (token != null) {
                    c.setRequestProperty("Authorization", token);
                }
                c.connect();
            } catch (IOException e) {
                refused = e;
                continue; // not sent: the next endpoint may take it
            }
            int status;
            byte[] answerBytes;
            try {
                try (OutputStream out = c.getOutputStream()) {
                    out.write(json);
                }
                status = c.getResponseCode();
                try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                    answerBytes = in == null ? new byte[0] : in.readAllBytes();
                }
            } catch (SocketTimeoutException e) {
                throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no answer within " + timeout.toMillis()
                        + " ms from " + endpoint + " (outcome unknown)", e);
            } catch (IOException e) {
                throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": " + endpoint + ": " + e, e);
            }
            JsonNode answer;
            try {
                answer = JsonCodec.mapper().readTree(answerBytes);
            } catch (JacksonException e) {
                throw new StoreException(Reason.INTERNAL, "etcd " + what + ": " + endpoint + " answered HTTP " + status
                        + " with something that is not JSON (is it etcd's client URL?)", e);
            }
            if (status != 200) {
                throw failure(what, status, answer);
            }
            return answer;
        }
        throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no endpoint of " + options.endpoints()
                + " accepted a connection (" + refused + ")", refused);
    }

    /** The gateway's error answer as a {@link StoreException}: gRPC status codes as {@link EtcdDatastore#mapped}. */
    static StoreException failure(String what, int httpStatus, JsonNode answer) {
        int code = answer.path("code").asInt(-1);
        String message = answer.path("message").asString(answer.path("error").asString("HTTP " + httpStatus));
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

    private static ObjectNode object() {
        return JsonCodec.mapper().createObjectNode();
    }

    private static ObjectNode countOnly(String key) {
        return object().put("key", b64(key)).put("count_only", true);
    }

    private static ObjectNode putRequest(String key, byte[] value, long lease) {
        ObjectNode put = object().put("key", b64(key)).put("value", B64.encodeToString(value));
        if (lease != 0) {
            put.put("lease", Long.toString(lease));
        }
        return put;
    }

    private static void ops(ArrayNode into, List<Txn.Op> ops) {
        for (Txn.Op op : ops) {
            switch (op) {
                case Txn.Op.Put p -> into.addObject().set("request_put", putRequest(p.key(), p.value(), p.leaseId()));
                case Txn.Op.Delete d -> into.addObject().set("request_delete_range", object().put("key", b64(d.key())));
                case Txn.Op.Get g -> into.addObject().set("request_range", object().put("key", b64(g.key())));
            }
        }
    }

    private static Optional<KeyValue> first(JsonNode rangeResponse) {
        JsonNode kvs = rangeResponse.path("kvs");
        return kvs.isEmpty() ? Optional.empty() : Optional.of(keyValue(kvs.get(0)));
    }

    private static KeyValue keyValue(JsonNode kv) {
        return new KeyValue(new String(B64D.decode(kv.path("key").asString("")), StandardCharsets.UTF_8),
                B64D.decode(kv.path("value").asString("")), number(kv.path("create_revision")), number(kv.path("mod_revision")),
                number(kv.path("version")), number(kv.path("lease")));
    }

    private static long revision(JsonNode answer) {
        return number(answer.path("header").path("revision"));
    }

    /** An int64 field: a JSON string in proto3's JSON mapping, absent when 0. */
    private static long number(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? 0 : n.isNumber() ? n.asLong() : Long.parseLong(n.asString());
    }

    private static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** etcd's range end for "every key starting with prefix": the prefix with its last byte incremented. */
    private static byte[] rangeEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                b[i]++;
                return java.util.Arrays.copyOf(b, i + 1);
            }
        }
        return new byte[] {0}; // every byte 0xff: to the end of the keyspace
    }
}
