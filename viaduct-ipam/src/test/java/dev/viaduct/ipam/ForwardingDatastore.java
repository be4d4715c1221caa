package dev.viaduct.ipam;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Lease;
import dev.viaduct.store.Listing;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import java.time.Duration;
import java.util.Optional;

/** Base for hand-written fakes that change one behaviour of a real datastore. */
abstract class ForwardingDatastore implements Datastore {
    final Datastore inner;

    ForwardingDatastore(Datastore inner) {
        this.inner = inner;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return inner.get(key);
    }

    @Override
    public Listing list(String prefix) {
        return inner.list(prefix);
    }

    @Override
    public long put(String key, byte[] value) {
        return inner.put(key, value);
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        return inner.put(key, value, lease);
    }

    @Override
    public boolean delete(String key) {
        return inner.delete(key);
    }

    @Override
    public long deletePrefix(String prefix) {
        return inner.deletePrefix(prefix);
    }

    @Override
    public TxnResult txn(Txn txn) {
        return inner.txn(txn);
    }

    @Override
    public long currentRevision() {
        return inner.currentRevision();
    }

    @Override
    public Lease grantLease(Duration ttl) {
        return inner.grantLease(ttl);
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        return inner.keepAlive(lease, listener);
    }

    @Override
    public void revokeLease(Lease lease) {
        inner.revokeLease(lease);
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        return inner.timeToLive(lease);
    }

    @Override
    public java.util.OptionalLong watchesStalledSince() {
        return inner.watchesStalledSince();
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        return inner.watch(prefix, fromRevision, listener);
    }

    @Override
    public void close() {
    }
}

/** Another writer that touches every compared block right before each transaction: every CAS loses. */
final class ChurningDatastore extends ForwardingDatastore {
    volatile boolean churn;

    ChurningDatastore(Datastore inner, String blocksPrefix) {
        super(inner);
        this.blocksPrefix = blocksPrefix;
    }

    private final String blocksPrefix;

    @Override
    public TxnResult txn(Txn txn) {
        if (churn) {
            for (Txn.Compare c : txn.when()) {
                if (c.key().startsWith(blocksPrefix)) {
                    inner.get(c.key()).ifPresent(kv -> inner.put(kv.key(), kv.value()));
                }
            }
        }
        return inner.txn(txn);
    }
}

/** Runs {@code race} right before the first transaction goes out. */
final class RaceOnFirstTxn extends ForwardingDatastore {
    private final Runnable race;
    private boolean raced;

    RaceOnFirstTxn(Datastore inner, Runnable race) {
        super(inner);
        this.race = race;
    }

    @Override
    public synchronized TxnResult txn(Txn txn) {
        if (!raced) {
            raced = true;
            race.run();
        }
        return inner.txn(txn);
    }
}

/**
 * Counts transactions; once {@code armed}, the next one waits for {@code gate} (so the test can queue
 * requests behind it).
 */
final class GatedDatastore extends ForwardingDatastore {
    final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicInteger txns = new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean armed;

    GatedDatastore(Datastore inner) {
        super(inner);
    }

    @Override
    public TxnResult txn(Txn txn) {
        txns.incrementAndGet();
        if (armed) {
            armed = false;
            try {
                gate.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return inner.txn(txn);
    }
}
