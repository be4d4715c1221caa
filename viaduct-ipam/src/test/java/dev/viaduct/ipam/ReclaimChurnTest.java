package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Lease;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Node churn on a real etcd: 50 nodes come, allocate and vanish (their node record's lease is revoked)
 * while live nodes keep assigning and releasing and two reclaimers compete for the lock. The pool is small
 * enough (32 blocks) that the run only completes if the gone nodes' blocks come back.
 */
@Tag("etcd")
class ReclaimChurnTest {
    static final int LIVE_NODES = 5;
    static final int CHURN_NODES = 50;
    static final int WAVE = 10;
    static final int PODS_PER_CHURN_NODE = 20;
    static final Duration GRACE = Duration.ofSeconds(2);

    final Keys keys = new Keys("/reclaimchurn/" + ProcessHandle.current().pid());
    final Map<InetAddress, String> liveHeld = new ConcurrentHashMap<>();
    final Map<InetAddress, String> churnHeld = new ConcurrentHashMap<>();
    final List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
    final List<String> robbed = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger allocations = new AtomicInteger();
    final AtomicInteger reclaimedBlocks = new AtomicInteger();
    final AtomicInteger reclaimedAddresses = new AtomicInteger();
    final AtomicInteger ids = new AtomicInteger();

    @Test
    void fiftyNodesComeAndGoUnderLoadAndThePoolStaysReusable() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1); EtcdDatastore store = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()))) {
            Ipam admin = new Ipam(store, keys);
            admin.createPool(Pool.of("10.60.0.0/21").withBlockSize(26)); // 32 blocks of 64
            List<String> live = new ArrayList<>();
            for (int i = 0; i < LIVE_NODES; i++) {
                live.add("live-" + i);
                store.put(keys.node("live-" + i), "{}".getBytes(StandardCharsets.UTF_8));
            }
            long start = System.nanoTime();
            List<Reclaimer> reclaimers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                reclaimers.add(new Reclaimer(store, keys, new Ipam(store, keys), live.get(i), GRACE, Duration.ofMillis(200),
                        Duration.ofSeconds(2), this::passed).start());
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            try {
                for (String node : live) {
                    Ipam ipam = new Ipam(store, keys);
                    for (int w = 0; w < 2; w++) {
                        workers.add(Thread.ofVirtual().name(node + "-w" + w).start(() -> liveWorker(store, ipam, node, stop)));
                    }
                }
                for (int wave = 0; wave < CHURN_NODES / WAVE; wave++) {
                    List<Thread> nodes = new ArrayList<>();
                    for (int i = 0; i < WAVE; i++) {
                        String node = "churn-" + (wave * WAVE + i);
                        nodes.add(Thread.ofVirtual().name(node).start(() -> churnNode(store, node)));
                    }
                    for (Thread t : nodes) {
                        t.join();
                    }
                }
                Poll.until("every churned node reclaimed", Duration.ofSeconds(60), () -> admin.handles().stream()
                        .noneMatch(h -> h.node().startsWith("churn-")) && admin.blocks().stream().noneMatch(b ->
                        b.affinity() != null && b.affinity().startsWith("churn-")));
            } finally {
                stop.set(true);
                for (Thread t : workers) {
                    t.join();
                }
                reclaimers.forEach(Reclaimer::close);
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertThat(unexpected).isEmpty();
            assertThat(duplicates).isEmpty();
            assertThat(robbed).isEmpty();
            // what the store allocates is exactly what the live nodes hold
            Map<InetAddress, String> inStore = new HashMap<>();
            admin.blocks().forEach(b -> b.allocations().forEach(a -> assertThat(inStore.put(a.address(), a.handle())).isNull()));
            assertThat(inStore).isEqualTo(liveHeld);
            assertThat(admin.check().consistent()).isTrue();
            assertThat(store.list(keys.nodeAbsences()).kvs()).isEmpty();

            // the pool is fully reusable: a new node gets every address the live nodes do not hold
            store.put(keys.node("fresh"), "{}".getBytes(StandardCharsets.UTF_8));
            Ipam fresh = new Ipam(store, keys);
            AtomicInteger got = new AtomicInteger();
            List<Thread> fill = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                fill.add(Thread.ofVirtual().start(() -> {
                    while (true) {
                        try {
                            fresh.assign("net.fresh-" + ids.incrementAndGet() + ".eth0", "fresh", true, false, Map.of());
                            got.incrementAndGet();
                        } catch (IpamException e) {
                            if (e.reason() == IpamException.Reason.EXHAUSTED) {
                                return;
                            }
                            if (!e.tryAgain()) {
                                unexpected.add(e);
                                return;
                            }
                        }
                    }
                }));
            }
            for (Thread t : fill) {
                t.join();
            }
            assertThat(unexpected).isEmpty();
            assertThat(got.get()).isEqualTo(32 * 64 - liveHeld.size());
            System.out.printf("reclaim churn: nodes=%d (%d churned, %d live) allocations=%d reclaimedBlocks=%d reclaimedAddresses=%d"
                    + " time=%dms grace=%dms%n", LIVE_NODES + CHURN_NODES, CHURN_NODES, LIVE_NODES, allocations.get(),
                    reclaimedBlocks.get(), reclaimedAddresses.get(), millis, GRACE.toMillis());
            assertThat(reclaimedAddresses.get()).isEqualTo(CHURN_NODES * PODS_PER_CHURN_NODE);
        }
    }

    private void passed(ReclaimReport r) {
        reclaimedBlocks.addAndGet(r.blocks().size());
        reclaimedAddresses.addAndGet(r.addresses());
        r.handles().stream().filter(h -> !h.node().startsWith("churn-")).forEach(h -> robbed.add(h.handle() + " of " + h.node()));
    }

    /** A node that registers, starts its pods and vanishes without cleaning up. */
    private void churnNode(EtcdDatastore store, String node) {
        try {
            Lease lease = store.grantLease(Duration.ofSeconds(30));
            store.put(keys.node(node), "{}".getBytes(StandardCharsets.UTF_8), lease);
            Ipam ipam = new Ipam(store, keys);
            List<Thread> pods = new ArrayList<>();
            for (int i = 0; i < PODS_PER_CHURN_NODE; i++) {
                String h = "net." + node + "-" + i + ".eth0";
                pods.add(Thread.ofVirtual().start(() -> {
                    try {
                        Assignment a = assignWaiting(store, ipam, h, node);
                        for (Assignment.Assigned x : a.addresses()) {
                            noDuplicate(ipam, x.address(), h);
                            churnHeld.put(x.address(), h);
                        }
                    } catch (Throwable t) {
                        unexpected.add(t);
                    }
                }));
            }
            for (Thread t : pods) {
                t.join();
            }
            store.revokeLease(lease); // the machine is gone: its record goes with its lease
        } catch (Throwable t) {
            unexpected.add(t);
        }
    }

    private void liveWorker(Datastore store, Ipam ipam, String node, AtomicBoolean stop) {
        List<String> mine = new ArrayList<>();
        Map<String, List<InetAddress>> addrs = new HashMap<>();
        try {
            while (!stop.get()) {
                if (mine.size() < 8 && ThreadLocalRandom.current().nextInt(3) != 0) {
                    String h = "net." + node + "-" + ids.incrementAndGet() + ".eth0";
                    Assignment a = assignWaiting(store, ipam, h, node);
                    List<InetAddress> l = a.addresses().stream().map(Assignment.Assigned::address).toList();
                    for (InetAddress x : l) {
                        String prev = liveHeld.putIfAbsent(x, h);
                        if (prev != null) {
                            duplicates.add(x + " given to " + h + " while live " + prev + " holds it");
                        }
                        noDuplicate(ipam, x, h);
                    }
                    addrs.put(h, l);
                    mine.add(h);
                } else if (!mine.isEmpty()) {
                    String h = mine.remove(ThreadLocalRandom.current().nextInt(mine.size()));
                    addrs.remove(h).forEach(x -> liveHeld.remove(x, h));
                    if (releaseRetrying(ipam, h).isEmpty()) {
                        robbed.add(h + " was gone when its own node released it");
                    }
                }
            }
        } catch (Throwable t) {
            unexpected.add(t);
        }
    }

    /** An address once held by a churned node's handle may only come back once that handle is gone. */
    private void noDuplicate(Ipam ipam, InetAddress x, String h) {
        String churned = churnHeld.get(x);
        if (churned != null && !churned.equals(h) && ipam.handle(churned).isPresent()) {
            duplicates.add(x + " given to " + h + " while " + churned + " still holds it");
        }
    }

    private Assignment assignWaiting(Datastore store, Ipam ipam, String h, String node) {
        while (true) {
            long seen = store.currentRevision();
            try {
                Assignment a = ipam.assign(h, node, true, false, Map.of());
                allocations.incrementAndGet();
                return a;
            } catch (IpamException e) {
                if (e.reason() != IpamException.Reason.EXHAUSTED && !e.tryAgain()) {
                    throw e;
                }
                // the pool is dry until a reclaimer gives gone nodes' blocks back (or a worker releases): retry once
                // the store has changed, as a runtime retries CNI ADD; a pool that stays dry fails the test
                Poll.until(node + " finding the pool dry, then a change in the store", Duration.ofSeconds(30),
                        () -> store.currentRevision() > seen);
            }
        }
    }

    private static List<InetAddress> releaseRetrying(Ipam ipam, String h) {
        for (int i = 0; ; i++) {
            try {
                return ipam.releaseByHandle(h);
            } catch (IpamException e) {
                if (!e.tryAgain() || i > 100) {
                    throw e;
                }
            }
        }
    }
}
