package dev.viaduct.store.etcd;

import dev.viaduct.store.Datastore;
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
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@link Datastore} on a real etcd v3 cluster through jetcd. No jetcd type crosses this class's API.
 *
 * <p>Concurrency: the jetcd client is thread-safe and every method here blocks its caller (a virtual thread,
 * typically) on jetcd's future with the configured request timeout; a request that times out is cancelled
 * and reported as {@link Reason#UNAVAILABLE} (its outcome is unknown: it may still have been applied). A
 * {@link RequestTimeout} bound by the caller shortens that timeout; every outcome feeds {@link Reachability}.
 * Each watch and each keep-alive runs on its own virtual thread (see {@link EtcdWatch},
 * {@link EtcdKeepAlive}).
 */
public final class EtcdDatastore implements Datastore {
    private static final System.Logger LOG = System.getLogger(EtcdDatastore.class.getName());

    private final StoreOptions options;
    private final Client client;
    private final KV kv;
    private final Set<AutoCloseable> running = ConcurrentHashMap.newKeySet();
    private final Reachability reachability = new Reachability(this::probe);
    private volatile boolean closed;

    private EtcdDatastore(StoreOptions options, Client client) {
        this.options = options;
        this.client = client;
        this.kv = client.getKVClient();
    }

    /**
     * Connects to etcd and checks the connection (and credentials) with one read within the dial timeout.
     *
     * @throws StoreException UNAVAILABLE when no endpoint answers in time, AUTH when the credentials or the
     *         client certificate are refused, REJECTED when the TLS files cannot be read
     */
    public static EtcdDatastore connect(StoreOptions options) {
        ClientBuilder b = Client.builder()
                .endpoints(options.endpoints().toArray(String[]::new))
                .connectTimeout(options.dialTimeout())
                // detect dead connections (a killed member) well before the request timeout
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5))
                .keepaliveWithoutCalls(true)
                // jetcd's own retries of idempotent calls stay inside our request timeout
                .retryMaxDuration(options.requestTimeout())
                // block listings (a few kB each) and handle listings can exceed gRPC's 4 MiB default
                .maxInboundMessageSize(256 * 1024 * 1024);
        if (options.username() != null) {
            b.user(bytes(options.username())).password(bytes(options.password()));
        }
        if (options.tls()) {
            try {
                b.sslContext(ssl -> {
                    if (options.caFile() != null) {
                        ssl.trustManager(options.caFile().toFile());
                    }
                    if (options.certFile() != null) {
                        ssl.keyManager(options.certFile().toFile(), options.keyFile().toFile());
                    }
                });
            } catch (Exception e) {
                throw new StoreException(Reason.REJECTED, "etcd.tls: cannot load " + options.caFile() + ", "
                        + options.certFile() + ", " + options.keyFile() + ": " + e.getMessage(), e);
            }
        }
        Client client;
        try {
            client = b.build();
        } catch (RuntimeException e) {
            throw new StoreException(Reason.REJECTED, "etcd: cannot build a client for " + options + ": " + e.getMessage(), e);
        }
        EtcdDatastore store = new EtcdDatastore(options, client);
        try {
            store.await("connect", options.dialTimeout(),
                    () -> store.kv.get(bytes(options.prefix() + "/"), GetOption.builder().withCountOnly(true).build()));
        } catch (StoreException e) {
            store.close();
            throw new StoreException(e.reason(), "etcd: cannot connect to " + options.endpoints() + ": " + e.getMessage(), e);
        }
        LOG.log(Level.INFO, "etcd connected endpoints={0} prefix={1} tls={2} auth={3}", options.endpoints(),
                options.prefix(), options.tls(), options.username() != null);
        return store;
    }

    /** The options this store was connected with. */
    public StoreOptions options() {
        return options;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        GetResponse r = call("get " + key, () -> kv.get(bytes(key)));
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(convert(r.getKvs().getFirst()));
    }

    @Override
    public Listing list(String prefix) {
        Requests.requirePrefix(prefix);
        GetResponse r = call("list " + prefix, () -> kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
        return new Listing(r.getKvs().stream().map(EtcdDatastore::convert).toList(), r.getHeader().getRevision());
    }

    @Override
    public long put(String key, byte[] value) {
        return call("put " + key, () -> kv.put(bytes(key), ByteSequence.from(value))).getHeader().getRevision();
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        PutOption opt = PutOption.builder().withLeaseId(lease.id()).build();
        return call("put " + key, () -> kv.put(bytes(key), ByteSequence.from(value), opt)).getHeader().getRevision();
    }

    @Override
    public boolean delete(String key) {
        return call("delete " + key, () -> kv.delete(bytes(key))).getDeleted() > 0;
    }

    @Override
    public long deletePrefix(String prefix) {
        Requests.requirePrefix(prefix);
        return call("delete prefix " + prefix,
                () -> kv.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build())).getDeleted();
    }

    @Override
    public TxnResult txn(Txn txn) {
        Cmp[] cmps = txn.when().stream()
                .map(c -> switch (c) {
                    case Txn.Compare.ModRevision m ->
                        new Cmp(bytes(m.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(m.revision()));
                })
                .toArray(Cmp[]::new);
        Op[] then = ops(txn.then());
        Op[] otherwise = ops(txn.otherwise());
        TxnResponse r = call("txn on " + Requests.describe(txn), () -> kv.txn().If(cmps).Then(then).Else(otherwise).commit());
        List<Op> branch = List.of(r.isSucceeded() ? then : otherwise);
        List<GetResponse> gets = r.getGetResponses();
        List<Optional<KeyValue>> results = new ArrayList<>();
        int g = 0;
        for (Op op : branch) {
            if (op instanceof Op.GetOp) {
                GetResponse gr = gets.get(g++);
                results.add(gr.getKvs().isEmpty() ? Optional.empty() : Optional.of(convert(gr.getKvs().getFirst())));
            }
        }
        return new TxnResult(r.isSucceeded(), r.getHeader().getRevision(), results);
    }

    @Override
    public long currentRevision() {
        return call("current revision",
                () -> kv.get(bytes(options.prefix() + "/"), GetOption.builder().withCountOnly(true).build()))
                .getHeader().getRevision();
    }

    @Override
    public Lease grantLease(Duration ttl) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        var r = call("grant lease ttl=" + seconds + "s", () -> client.getLeaseClient().grant(seconds));
        return new Lease(r.getID(), Duration.ofSeconds(r.getTTL()));
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        EtcdKeepAlive ka = new EtcdKeepAlive(lease, listener, this::keepAliveOnce, this::forget);
        running.add(ka);
        ka.start();
        return ka;
    }

    /** One keep-alive request; the remaining TTL in seconds (≤ 0: the lease is gone). */
    long keepAliveOnce(Lease lease) {
        try {
            return call("keep-alive lease " + Long.toHexString(lease.id()),
                    () -> client.getLeaseClient().keepAliveOnce(lease.id())).getTTL();
        } catch (StoreException e) {
            if (e.reason() == Reason.REJECTED && leaseNotFound(e)) {
                return 0;
            }
            throw e;
        }
    }

    @Override
    public void revokeLease(Lease lease) {
        try {
            call("revoke lease " + Long.toHexString(lease.id()), () -> client.getLeaseClient().revoke(lease.id()));
        } catch (StoreException e) {
            if (!leaseNotFound(e)) {
                throw e;
            }
        }
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        var r = call("lease time-to-live " + Long.toHexString(lease.id()),
                () -> client.getLeaseClient().timeToLive(lease.id(), LeaseOption.DEFAULT));
        return r.getTTL() <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(r.getTTL()));
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        Requests.requirePrefix(prefix);
        checkOpen();
        EtcdWatch w = new EtcdWatch(this, client.getWatchClient(), prefix, fromRevision, listener);
        running.add(w);
        w.start();
        return w;
    }

    @Override
    public Optional<Reachability.Down> unreachable(Duration wait) {
        return reachability.unreachable(wait);
    }

    /** The cheapest request etcd answers only when it works: a count-only range, within at most a second. */
    private void probe() {
        Duration t = options.requestTimeout().compareTo(Duration.ofSeconds(1)) < 0 ? options.requestTimeout() : Duration.ofSeconds(1);
        await("probe", t, () -> kv.get(bytes(options.prefix() + "/"), GetOption.builder().withCountOnly(true).build()));
    }

    @Override
    public java.util.OptionalLong watchesStalledSince() {
        return running.stream().filter(c -> c instanceof Watch).map(c -> ((Watch) c).stalledSince())
                .filter(java.util.OptionalLong::isPresent).mapToLong(java.util.OptionalLong::getAsLong).min();
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
        closed = true;
        for (AutoCloseable c : List.copyOf(running)) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing {0} failed: {1}", c, e.toString());
            }
        }
        client.close();
    }

    // --- calls and error mapping ---

    <T> T call(String what, Supplier<CompletableFuture<T>> request) {
        checkOpen();
        return await(what, RequestTimeout.timeout(options.requestTimeout()), request);
    }

    private <T> T await(String what, Duration timeout, Supplier<CompletableFuture<T>> request) {
        try {
            T v = awaitOnce(what, timeout, request);
            reachability.succeeded();
            return v;
        } catch (StoreException e) {
            reachability.failed(e);
            throw e;
        }
    }

    private <T> T awaitOnce(String what, Duration timeout, Supplier<CompletableFuture<T>> request) {
        CompletableFuture<T> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            throw mapped(what, e);
        }
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": no answer within " + timeout.toMillis()
                    + " ms from " + options.endpoints() + " (outcome unknown)", e);
        } catch (ExecutionException e) {
            throw mapped(what, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreException(Reason.UNAVAILABLE, "etcd " + what + ": interrupted", e);
        }
    }

    /**
     * Maps jetcd/gRPC failures to a {@link Reason}. etcd answers "no leader", "leader changed" and "request
     * timed out" with gRPC UNAVAILABLE (etcdserver/api/v3rpc/rpctypes), so all of those are try-again.
     */
    static StoreException mapped(String what, Throwable t) {
        if (t instanceof StoreException se) {
            return se;
        }
        Throwable cause = t;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        Status.Code code = null;
        String message = cause.getMessage();
        if (cause instanceof EtcdException ee) {
            code = Status.Code.valueOf(ee.getErrorCode().name());
        } else if (cause instanceof StatusRuntimeException sre) {
            code = sre.getStatus().getCode();
        } else if (Status.fromThrowable(cause).getCode() != Status.Code.UNKNOWN) {
            code = Status.fromThrowable(cause).getCode();
        }
        String lower = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        Reason reason;
        if (code == null) {
            reason = transport(cause) ? Reason.UNAVAILABLE : Reason.INTERNAL;
        } else {
            reason = switch (code) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> Reason.UNAVAILABLE;
                case PERMISSION_DENIED, UNAUTHENTICATED -> Reason.AUTH;
                case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, OUT_OF_RANGE, RESOURCE_EXHAUSTED, ALREADY_EXISTS ->
                    lower.contains("auth") || lower.contains("password") || lower.contains("user") ? Reason.AUTH
                            : Reason.REJECTED;
                // a connection dying mid-request surfaces as UNKNOWN/INTERNAL "channel closed" and the like
                default -> transport(cause) ? Reason.UNAVAILABLE : Reason.INTERNAL;
            };
        }
        return new StoreException(reason, "etcd " + what + ": " + (code == null ? "" : code + ": ") + message, cause);
    }

    /** Whether a failure is the transport's (connection closed or reset, no leader, timeout): try again. */
    private static boolean transport(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.io.IOException) {
                return true;
            }
            String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
            for (String hint : new String[] {"channel closed", "connection", "stream closed", "reset", "goaway",
                    "no leader", "leader changed", "timed out", "unavailable", "io exception"}) {
                if (m.contains(hint)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean leaseNotFound(StoreException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("lease not found");
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(Reason.CLOSED, "etcd datastore is closed");
        }
    }

    private static Op[] ops(List<Txn.Op> ops) {
        return ops.stream().map(op -> switch (op) {
            case Txn.Op.Put p -> (Op) Op.put(bytes(p.key()), ByteSequence.from(p.value()),
                    p.leaseId() == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(p.leaseId()).build());
            case Txn.Op.Delete d -> Op.delete(bytes(d.key()), DeleteOption.DEFAULT);
            case Txn.Op.Get g -> Op.get(bytes(g.key()), GetOption.DEFAULT);
        }).toArray(Op[]::new);
    }

    static KeyValue convert(io.etcd.jetcd.KeyValue kv) {
        return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
