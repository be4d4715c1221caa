package dev.viaduct.kube;

import dev.viaduct.ipam.Ipam;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.Keys;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code viaduct kube-controllers}: while this instance holds the leader Lease, a {@link StoreMirror} keeps
 * the store's Node, Namespace, Pod and NetworkPolicy records equal to the API and cleans up after deleted
 * Nodes and pods; standby instances only campaign. Leader election is fabric8's {@code LeaderElector} on a
 * {@code coordination.k8s.io/v1} Lease: a leader that cannot renew within the renew deadline stops its mirror
 * (so two never write at once for longer than the clocks' skew allows, and every write compares the
 * revision it read); a standby takes the Lease once it has not been renewed for the lease duration. After
 * losing the lead an instance campaigns again.
 *
 * <p>Concurrency: one virtual thread ("kube-leader") runs the campaigns one after the other; fabric8 calls
 * the leader callbacks on its executor, and they only start or stop the mirror under this object's lock.
 * The mirror has its own thread (see {@link StoreMirror}). Readiness and status read volatiles.
 */
public final class KubeControllers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubeControllers.class.getName());

    private final KubernetesClient client;
    private final KubernetesClient electionClient;
    private final Datastore store;
    private final Keys keys;
    private final Ipam ipam;
    private final KubeControllersOptions options;
    private final InstantSource clock;
    private final KubeMetrics metrics;
    private final Informers.Factory informers;
    private final RecordingLock lock;
    private volatile StoreMirror mirror;
    private volatile String leader = "";
    private volatile boolean closed;
    private CompletableFuture<?> campaign;
    private Thread thread;

    public KubeControllers(KubernetesClient client, Datastore store, Keys keys, Ipam ipam, KubeControllersOptions options,
            PrometheusRegistry registry, InstantSource clock) {
        this.client = client;
        this.electionClient = electionClient(client, options);
        this.store = store;
        this.keys = keys;
        this.ipam = ipam;
        this.options = options;
        this.clock = clock;
        this.metrics = new KubeMetrics(registry, this::leading);
        this.informers = (signals, m) -> new Informers(client, signals, m);
        this.lock = new RecordingLock(new LeaseLock(options.leaseNamespace(), options.leaseName(), options.identity()));
    }

    public synchronized KubeControllers start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("kube-leader").start(this::campaigns);
        }
        return this;
    }

    /** True while this instance leads (its mirror runs). */
    public boolean leading() {
        return mirror != null;
    }

    /** The Lease's holder as last observed (empty before the first observation). */
    public String leader() {
        return leader;
    }

    /**
     * Why this instance is not ready; empty when it is. A standby that reaches the API is ready (it would
     * take over); the leader is ready once its store mirrors the API.
     */
    public String notReady() {
        if (closed) {
            return "stopped";
        }
        StoreMirror m = mirror;
        if (m != null) {
            return m.notReady();
        }
        String e = lock.error;
        return e.isEmpty() ? "" : "kubernetes API unreachable: " + e + " (trying the leader Lease "
                + options.leaseNamespace() + "/" + options.leaseName() + " every " + options.retryPeriod().toMillis() + "ms)";
    }

    /** When the leader's mirror loop last went round; {@link System#nanoTime} now for a standby. */
    public long heartbeatNanos() {
        StoreMirror m = mirror;
        return m == null ? System.nanoTime() : m.heartbeatNanos();
    }

    private void campaigns() {
        while (!closed) {
            CompletableFuture<?> f;
            synchronized (this) {
                if (closed) {
                    return;
                }
                var config = new LeaderElectionConfigBuilder().withName(options.leaseName()).withLock(lock)
                        .withLeaseDuration(options.leaseDuration()).withRenewDeadline(options.renewDeadline())
                        .withRetryPeriod(options.retryPeriod()).withReleaseOnCancel(options.releaseOnClose())
                        .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading, id -> {
                            leader = id == null ? "" : id;
                            LOG.log(Level.INFO, "leader lease={0}/{1} holder={2}", options.leaseNamespace(), options.leaseName(), id);
                        }))
                        .build();
                f = electionClient.leaderElector().withConfig(config).build().start();
                campaign = f;
            }
            try {
                f.get();
            } catch (CancellationException | ExecutionException e) {
                LOG.log(Level.DEBUG, "leader election ended: {0}", e.getMessage());
            } catch (InterruptedException e) {
                f.cancel(true);
                return;
            }
            stopLeading();
        }
    }

    private synchronized void startLeading() {
        if (closed || mirror != null) {
            return;
        }
        LOG.log(Level.INFO, "leading identity={0}: mirroring the API into the store", options.identity());
        metrics.becameLeader();
        mirror = new StoreMirror(store, keys, ipam, informers, metrics, clock, options.podGcGrace(), options.sweepInterval()).start();
    }

    private void stopLeading() {
        StoreMirror m;
        synchronized (this) {
            m = mirror;
            mirror = null;
        }
        if (m != null) {
            LOG.log(Level.WARNING, "no longer leading identity={0}: mirror stopped", options.identity());
            m.close();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
            if (campaign != null) {
                campaign.cancel(true);
            }
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopLeading();
        electionClient.close();
    }

    /**
     * A client for the Lease alone whose every request ends well within the lease: fabric8's elector checks
     * its renew deadline only between attempts, so a request that retried for a minute would let a leader
     * that cannot reach the API lead on after its Lease expired and a standby took over. Each request of an
     * attempt (a get and an update) gets half the lease duration's margin over the renew deadline, and no
     * retries: the last attempt ends by the time the Lease would expire.
     */
    private static KubernetesClient electionClient(KubernetesClient client, KubeControllersOptions o) {
        int timeout = (int) Math.max(100, o.leaseDuration().minus(o.renewDeadline()).toMillis() / 2);
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0)
                .withRequestTimeout(timeout).withConnectionTimeout(timeout).build()).build();
    }

    /** The Lease lock, remembering its last API failure for readiness (cleared by the next success). */
    private static final class RecordingLock implements Lock {
        private final Lock inner;
        volatile String error = "";

        RecordingLock(Lock inner) {
            this.inner = inner;
        }

        @Override
        public LeaderElectionRecord get(KubernetesClient client) {
            return recorded(() -> inner.get(client));
        }

        @Override
        public void create(KubernetesClient client, LeaderElectionRecord record) {
            recorded(() -> {
                inner.create(client, record);
                return null;
            });
        }

        @Override
        public void update(KubernetesClient client, LeaderElectionRecord record) {
            recorded(() -> {
                inner.update(client, record);
                return null;
            });
        }

        @Override
        public String identity() {
            return inner.identity();
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        private <T> T recorded(java.util.function.Supplier<T> call) {
            try {
                T v = call.get();
                error = "";
                return v;
            } catch (RuntimeException e) {
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                throw e;
            }
        }
    }
}
