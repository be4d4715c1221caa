package dev.viaduct.store.etcd;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Lease;
import dev.viaduct.store.Listing;
import dev.viaduct.store.Reachability;
import dev.viaduct.store.RequestTimeout;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreException.Reason;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import dev.viaduct.sys.log.DeferredLogger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link Datastore} over etcd's JSON gateway ({@code POST /v3/kv/range}, {@code /v3/kv/txn}, {@code /v3/watch},
 * ...: the same v3 API as gRPC, protobuf messages as JSON with base64 bytes and int64 as strings) with
 * {@link HttpURLConnection}. It exists for memory and start time: jetcd brings gRPC, Netty and protobuf — tens of
 * MiB of class metadata in a long-running agent, hundreds of milliseconds of class loading in a one-shot
 * {@code viaduct ctl} ({@code java.net.http} would cost a quarter of a second of CPU too: building a client sets up
 * the default TLS context). Keys, values, revisions, compare-and-swap transactions, leases and watches have
 * exactly {@link EtcdDatastore}'s semantics (the server is the same): watches resume after the last delivered
 * revision and re-list when it was compacted ({@link GatewayWatch}); keep-alives refresh every third of the TTL
 * ({@link EtcdKeepAlive}); a {@link RequestTimeout} shortens each request's deadline; every outcome feeds
 * {@link Reachability}. TLS, with client certificates, from the PEM files of {@link StoreOptions} ({@link PemTls}).
 *
 * <p>Endpoints: requests go to the preferred endpoint first and move on to the next only when the connection is
 * refused (not sent, so no write is sent twice); a request that got no answer in time makes the next endpoint the
 * preferred one, so a hung member (SIGSTOPped, partitioned) costs one deadline, not one per request. With
 * credentials, a token from {@code /v3/auth/authenticate} goes in each request's {@code Authorization} header and
 * is fetched again when etcd says it is no longer valid (simple tokens expire after 5 minutes idle).
 *
 * <p>Concurrency: every method blocks its caller (a virtual thread, typically) on one connection, reused through
 * the JDK's keep-alive cache; the state shared between callers is volatile (token, preferred endpoint) or a
 * concurrent set (running watches and keep-alives). Each watch reads its stream on its own virtual thread; a
 * keep-alive is a virtual thread too, and one more checks, every {@link #WATCH_CHECK_PERIOD}, that the members
 * quiet watch streams are connected to still answer (see {@link #checkQuietWatches}).
 *
 * <p>Why one class of some 620 lines: what is here is the {@link Datastore} methods over one transport with its
 * endpoint and token handling; the watch streams ({@link GatewayWatch}), answer decoding ({@link GatewayAnswers}),
 * request bodies ({@link Requests}) and TLS ({@link PemTls}) are classes of their own.
 */
public final class EtcdGatewayDatastore implements Datastore {
    private static final System.Logger LOG = DeferredLogger.of(EtcdGatewayDatastore.class);
    private static final Base64.Encoder B64 = Base64.getEncoder();
    /** How long a watch stream may be quiet before its member is asked whether it still answers (jetcd's keepaliveTime). */
    static final Duration WATCH_CHECK_PERIOD = Duration.ofSeconds(10);
    /** How long that member has to answer (jetcd's keepaliveTimeout). */
    static final Duration WATCH_CHECK_TIMEOUT = Duration.ofSeconds(5);

    private final StoreOptions options;
    private final SSLSocketFactory tls;
    private final Reachability reachability = new Reachability(this::probe);
    private final Set<AutoCloseable> running = ConcurrentHashMap.newKeySet();
    private volatile String token;
    private volatile int preferred;
    private volatile boolean closed;
    private Thread watchChecker;

    private EtcdGatewayDatastore(StoreOptions options, SSLSocketFactory tls) {
        this.options = options;
        this.tls = tls;
    }

    /**
     * Connects to etcd and checks the connection (and credentials) with one read within the dial timeout.
     *
     * @throws StoreException UNAVAILABLE when no endpoint answers in time, AUTH when the credentials or the client
     *         certificate are refused, REJECTED when the TLS files cannot be read (the message names the file)
     */
    public static EtcdGatewayDatastore connect(StoreOptions options) {
        EtcdGatewayDatastore store = new EtcdGatewayDatastore(options, options.tls() ? PemTls.socketFactory(options) : null);
        try {
            if (options.username() != null) {
                store.authenticate(options.dialTimeout());
            }
            store.post("connect", "/v3/kv/range", countOnly(options.prefix() + "/"), options.dialTimeout());
        } catch (StoreException e) {
            store.close();
            throw new StoreException(e.reason(), "etcd: cannot connect to " + options.endpoints() + ": " + e.getMessage(), e);
        }
        LOG.log(Level.DEBUG, "etcd gateway connected endpoints={0} prefix={1} tls={2} auth={3}", options.endpoints(),
                options.prefix(), options.tls(), options.username() != null);
        return store;
    }

    /** The options this store was connected with. */
    public StoreOptions options() {
        return options;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return GatewayAnswers.first(call("get " + key, "/v3/kv/range", object().put("key", b64(key))));
    }

    @Override
    public Listing list(String prefix) {
        Requests.requirePrefix(prefix);
        JsonNode r = call("list " + prefix, "/v3/kv/range", range(prefix));
        List<KeyValue> kvs = new ArrayList<>();
        for (JsonNode kv : r.path("kvs")) {
            kvs.add(GatewayAnswers.keyValue(kv));
        }
        return new Listing(kvs, GatewayAnswers.revision(r));
    }

    @Override
    public long put(String key, byte[] value) {
        return GatewayAnswers.revision(call("put " + key, "/v3/kv/put", putRequest(key, value, 0)));
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        return GatewayAnswers.revision(call("put " + key, "/v3/kv/put", putRequest(key, value, lease.id())));
    }

    @Override
    public boolean delete(String key) {
        return GatewayAnswers.number(call("delete " + key, "/v3/kv/deleterange", object().put("key", b64(key))).path("deleted")) > 0;
    }

    @Override
    public long deletePrefix(String prefix) {
        Requests.requirePrefix(prefix);
        return GatewayAnswers.number(call("delete prefix " + prefix, "/v3/kv/deleterange", range(prefix)).path("deleted"));
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
        JsonNode r = call("txn on " + Requests.describe(txn), "/v3/kv/txn", req);
        boolean succeeded = r.path("succeeded").asBoolean(false);
        List<Optional<KeyValue>> gets = new ArrayList<>();
        for (JsonNode resp : r.path("responses")) {
            if (resp.has("response_range")) {
                gets.add(GatewayAnswers.first(resp.get("response_range")));
            }
        }
        return new TxnResult(succeeded, GatewayAnswers.revision(r), gets);
    }

    @Override
    public long currentRevision() {
        return GatewayAnswers.revision(call("current revision", "/v3/kv/range", countOnly(options.prefix() + "/")));
    }

    @Override
    public Lease grantLease(Duration ttl) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        JsonNode r = call("grant lease ttl=" + seconds + "s", "/v3/lease/grant", object().put("TTL", Long.toString(seconds)));
        return new Lease(GatewayAnswers.number(r.path("ID")), Duration.ofSeconds(GatewayAnswers.number(r.path("TTL"))));
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        checkOpen();
        EtcdKeepAlive ka = new EtcdKeepAlive(lease, listener, this::keepAliveOnce, this::forget);
        running.add(ka);
        ka.start();
        return ka;
    }

    /**
     * One keep-alive: {@code LeaseKeepAlive} is a bidirectional stream in gRPC; through the gateway one request makes
     * a stream of one answer, which ends when etcd has answered it. The remaining TTL in seconds; 0 (absent) when
     * the lease is gone.
     */
    private long keepAliveOnce(Lease lease) {
        JsonNode r = call("keep-alive lease " + Long.toHexString(lease.id()), "/v3/lease/keepalive",
                object().put("ID", Long.toString(lease.id())));
        return GatewayAnswers.number(GatewayAnswers.streamed("keep-alive lease " + Long.toHexString(lease.id()), r).path("TTL"));
    }

    @Override
    public void revokeLease(Lease lease) {
        try {
            call("revoke lease " + Long.toHexString(lease.id()), "/v3/lease/revoke", object().put("ID", Long.toString(lease.id())));
        } catch (StoreException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("lease not found")) {
                throw e;
            }
        }
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        JsonNode r = call("lease time-to-live " + Long.toHexString(lease.id()), "/v3/lease/timetolive",
                object().put("ID", Long.toString(lease.id())));
        long ttl = GatewayAnswers.number(r.path("TTL"));
        return ttl <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(ttl));
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        Requests.requirePrefix(prefix);
        checkOpen();
        long from = fromRevision > 0 ? fromRevision
                // "from now" must still be a definite revision, or a disconnect before the first event loses events
                : currentRevision() + 1;
        GatewayWatch w = new GatewayWatch(this, prefix, from, listener);
        running.add(w);
        startWatchChecker();
        w.start();
        return w;
    }

    @Override
    public OptionalLong watchesStalledSince() {
        return running.stream().filter(c -> c instanceof Watch).map(c -> ((Watch) c).stalledSince())
                .filter(OptionalLong::isPresent).mapToLong(OptionalLong::getAsLong).min();
    }

    @Override
    public Optional<Reachability.Down> unreachable(Duration wait) {
        return reachability.unreachable(wait);
    }

    /** The cheapest request etcd answers only when it works: a count-only range, within at most a second. */
    private void probe() {
        Duration t = options.requestTimeout().compareTo(Duration.ofSeconds(1)) < 0 ? options.requestTimeout() : Duration.ofSeconds(1);
        post("probe", "/v3/kv/range", countOnly(options.prefix() + "/"), t);
    }

    void forget(AutoCloseable child) {
        running.remove(child);
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true; // connections are the JDK's keep-alive cache's, which closes idle ones itself
        for (AutoCloseable c : List.copyOf(running)) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing {0} failed: {1}", c, e.toString());
            }
        }
        Thread checker;
        synchronized (this) {
            checker = watchChecker;
        }
        if (checker != null) {
            checker.interrupt();
        }
    }

    // --- watch streams ---

    /**
     * A {@code /v3/watch} request, sent; {@link #answer} waits for etcd's answer and returns the stream of its
     * lines. Both it and the reads from that stream block in socket reads with no timeout (a watch is quiet for as
     * long as nothing changes: {@link #checkQuietWatches} finds a hung member), which an interrupt of the (virtual)
     * reading thread ends: it closes the socket. {@link HttpURLConnection#disconnect} cannot, from another thread:
     * it waits for the lock the blocked read holds.
     */
    final class WatchStream {
        private final String endpoint;
        private final int index;
        private final HttpURLConnection connection;
        private final String what;

        private WatchStream(String endpoint, int index, HttpURLConnection connection, String what) {
            this.endpoint = endpoint;
            this.index = index;
            this.connection = connection;
            this.what = what;
        }

        String endpoint() {
            return endpoint;
        }

        /** The answer's body; a StoreException when etcd refused the watch, IOException when the connection broke. */
        InputStream answer() throws IOException {
            int status = connection.getResponseCode();
            if (status != 200) {
                byte[] answer;
                try (InputStream in = connection.getErrorStream()) {
                    answer = in == null ? new byte[0] : in.readAllBytes();
                }
                StoreException e = GatewayAnswers.failure(what, status, GatewayAnswers.parse(what, endpoint, status, answer));
                if (token != null && String.valueOf(e.getMessage()).contains("invalid auth token")) {
                    authenticate(options.requestTimeout()); // for the next attempt
                }
                throw e;
            }
            return connection.getInputStream();
        }

        /** Closes the connection (from the reading thread only). */
        void close() {
            connection.disconnect();
        }

        /** The member did not answer or broke the stream: the next request or stream goes elsewhere first. */
        void avoid() {
            EtcdGatewayDatastore.this.avoid(index);
        }
    }

    /**
     * Sends a watch request from {@code fromRevision} to the preferred endpoint or the next that takes the
     * connection. It requires a leader ({@code hasleader} metadata, etcd's {@code WithRequireLeader}): a member cut
     * off from the quorum cancels the watch instead of going silent, and it is reopened elsewhere.
     */
    WatchStream sendWatch(String prefix, long fromRevision) {
        checkOpen();
        String what = "watch " + prefix;
        ObjectNode req = object();
        req.set("create_request", range(prefix).put("start_revision", Long.toString(fromRevision)));
        byte[] json = JsonTrees.write(req);
        IOException refused = null;
        int n = options.endpoints().size();
        int first = preferred;
        for (int i = 0; i < n; i++) {
            int index = (first + i) % n;
            String endpoint = options.endpoints().get(index);
            HttpURLConnection c;
            try {
                c = open(endpoint, "/v3/watch", json.length, options.requestTimeout(), Duration.ZERO);
                c.setRequestProperty("Grpc-Metadata-hasleader", "true");
                c.connect();
            } catch (IOException e) {
                refused = e;
                continue;
            }
            try (OutputStream out = c.getOutputStream()) {
                out.write(json);
            } catch (IOException e) {
                avoid(index);
                throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": " + endpoint + ": " + e, e);
            }
            return new WatchStream(endpoint, index, c, what);
        }
        throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no endpoint of " + options.endpoints()
                + " accepted a connection (" + refused + ")", refused);
    }

    private synchronized void startWatchChecker() {
        if (watchChecker == null && !closed) {
            watchChecker = Thread.ofVirtual().name("etcd-watch-check").start(this::checkQuietWatches);
        }
    }

    /**
     * A hung member (SIGSTOPped, or its host gone without a FIN) keeps a watch's TCP connection open and sends
     * nothing, which looks exactly like a quiet prefix. gRPC finds it with HTTP/2 pings (jetcd: every 10 s, 5 s to
     * answer); here, every {@link #WATCH_CHECK_PERIOD}, the member of each stream quiet for that long gets a
     * count-only range on a connection of its own, and a stream whose member does not answer within
     * {@link #WATCH_CHECK_TIMEOUT} (or answers "no leader") is closed, so its watch resumes at another endpoint.
     */
    private void checkQuietWatches() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_CHECK_PERIOD);
            } catch (InterruptedException e) {
                return;
            }
            java.util.Map<String, List<GatewayWatch>> quiet = new java.util.HashMap<>();
            long now = System.nanoTime();
            for (AutoCloseable c : running) {
                if (c instanceof GatewayWatch w && w.quietSince(now).compareTo(WATCH_CHECK_PERIOD) >= 0 && w.endpoint() != null) {
                    quiet.computeIfAbsent(w.endpoint(), e -> new ArrayList<>()).add(w);
                }
            }
            quiet.forEach((endpoint, watches) -> {
                String failed = null;
                try {
                    postTo(endpoint, "watch check", "/v3/kv/range", JsonTrees.write(countOnly(options.prefix() + "/")),
                            WATCH_CHECK_TIMEOUT);
                } catch (StoreException e) {
                    failed = e.tryAgain() ? e.getMessage() : null;
                } catch (Refused e) {
                    failed = e.cause.toString();
                }
                if (failed != null) {
                    LOG.log(Level.INFO, "etcd member {0} does not answer ({1}): reopening {2} watch(es) elsewhere",
                            endpoint, failed, watches.size());
                    avoid(options.endpoints().indexOf(endpoint));
                    watches.forEach(w -> w.abort(endpoint));
                }
            });
        }
    }

    // --- requests and error mapping ---

    /** A request with the configured timeout, shortened by a {@link RequestTimeout} scope. */
    private JsonNode call(String what, String path, ObjectNode body) {
        return post(what, path, body, RequestTimeout.timeout(options.requestTimeout()));
    }

    /** {@link #send}, feeding {@link Reachability}; fetches a new token once when etcd says the old one expired. */
    private JsonNode post(String what, String path, ObjectNode body, Duration timeout) {
        checkOpen();
        try {
            JsonNode answer;
            try {
                answer = send(what, path, body, timeout);
            } catch (StoreException e) {
                if (token == null || !String.valueOf(e.getMessage()).contains("invalid auth token")) {
                    throw e;
                }
                authenticate(timeout);
                answer = send(what, path, body, timeout);
            }
            reachability.succeeded();
            return answer;
        } catch (StoreException e) {
            reachability.failed(e);
            throw e;
        }
    }

    private void authenticate(Duration timeout) {
        ObjectNode auth = object().put("name", options.username()).put("password", options.password());
        token = null;
        token = send("authenticate", "/v3/auth/authenticate", auth, timeout).path("token").asString();
    }

    /**
     * POSTs {@code body} to {@code path} at the preferred endpoint, or the next that takes the connection; the
     * answer's JSON. etcd's gateway answers a failed call with a non-200 status and
     * {@code {"code": <gRPC code>, "message": ...}}.
     */
    private JsonNode send(String what, String path, ObjectNode body, Duration timeout) {
        byte[] json = JsonTrees.write(body);
        IOException refused = null;
        int n = options.endpoints().size();
        int first = preferred;
        for (int i = 0; i < n; i++) {
            int index = (first + i) % n;
            try {
                return postTo(options.endpoints().get(index), what, path, json, timeout);
            } catch (Refused e) {
                refused = e.cause;
            } catch (StoreException e) {
                if (e.tryAgain()) {
                    avoid(index);
                }
                throw e;
            }
        }
        throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no endpoint of " + options.endpoints()
                + " accepted a connection (" + refused + ")", refused);
    }

    /** The connection to an endpoint was refused: the request was not sent, another endpoint may take it. */
    private static final class Refused extends Exception {
        final IOException cause;

        Refused(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private JsonNode postTo(String endpoint, String what, String path, byte[] json, Duration timeout) throws Refused {
        HttpURLConnection c;
        try {
            c = open(endpoint, path, json.length, timeout, timeout);
            c.connect();
        } catch (IOException e) {
            throw new Refused(e);
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
            c.disconnect(); // a late answer must not be read by the next request on this connection
            throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no answer within " + timeout.toMillis()
                    + " ms from " + endpoint + " (outcome unknown)", e);
        } catch (IOException e) {
            c.disconnect();
            throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": " + endpoint + ": " + e, e);
        }
        JsonNode answer = GatewayAnswers.parse(what, endpoint, status, answerBytes);
        if (status != 200) {
            throw GatewayAnswers.failure(what, status, answer);
        }
        return answer;
    }

    private HttpURLConnection open(String endpoint, String path, int length, Duration connectTimeout, Duration readTimeout)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint).resolve(path).toURL().openConnection(Proxy.NO_PROXY);
        if (tls != null && c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        c.setConnectTimeout(millis(connectTimeout));
        c.setReadTimeout(readTimeout.isZero() ? 0 : millis(readTimeout));
        c.setDoOutput(true);
        c.setRequestMethod("POST");
        c.setRequestProperty("Content-Type", "application/json");
        // fixed length: HttpURLConnection then never re-sends a POST on a stale keep-alive connection by itself
        c.setFixedLengthStreamingMode(length);
        String t = token;
        if (t != null) {
            c.setRequestProperty("Authorization", t);
        }
        return c;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Makes the endpoint after {@code index} the preferred one, unless another caller already moved on. */
    private void avoid(int index) {
        int n = options.endpoints().size();
        if (n > 1 && index >= 0 && preferred == index) {
            preferred = (index + 1) % n;
        }
    }

    /**
     * Whether etcd refused this client's requests only because they come through the gateway (see
     * {@link GatewayAnswers#refusesGateway}); {@link EtcdDatastore} works there.
     */
    public static boolean refusesGateway(StoreException e) {
        return GatewayAnswers.refusesGateway(e);
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(Reason.CLOSED, "etcd datastore is closed");
        }
    }

    private static ObjectNode range(String prefix) {
        return object().put("key", b64(prefix)).put("range_end", B64.encodeToString(rangeEnd(prefix)));
    }

    private static ObjectNode object() {
        return JsonTrees.object();
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
