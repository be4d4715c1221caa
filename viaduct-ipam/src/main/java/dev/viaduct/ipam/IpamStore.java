package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.sys.log.DeferredLogger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The datastore as the IPAM parts use it: its keys, every request counted as a round trip (the cost shown
 * in {@link Ipam#stats()}), the jittered backoff between attempts of a write that lost a compare-and-swap
 * race, and store errors translated into {@link IpamException}s. Stateless apart from the counters, so any
 * thread may use it.
 */
final class IpamStore {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final Datastore store;
    private final Keys keys;
    private final IpamConfig config;
    private final IpamCounters counters;

    IpamStore(Datastore store, Keys keys, IpamConfig config, IpamCounters counters) {
        this.store = store;
        this.keys = keys;
        this.config = config;
        this.counters = counters;
    }

    Keys keys() {
        return keys;
    }

    /** Sends one request to the store, counted as a round trip. */
    <T> T call(Function<Datastore, T> request) {
        counters.roundTrips.increment();
        return request.apply(store);
    }

    /** Throws UNAVAILABLE (try again) when the store is known unreachable ({@link Datastore#unreachable}). */
    void requireReachable() {
        var down = store.unreachable(Duration.ZERO);
        if (down.isPresent()) {
            throw new StoreException(StoreException.Reason.UNAVAILABLE, "datastore unreachable since " + down.get().since() + ": "
                    + down.get().reason());
        }
    }

    /** Every handle record, in key order; one that does not decode is skipped (and logged). */
    List<Versioned<Handle>> listHandles() {
        List<Versioned<Handle>> out = new ArrayList<>();
        for (KeyValue kv : call(s -> s.list(keys.handles())).kvs()) {
            Handle h = decodeOrSkip(kv, WireFormat::decodeHandle);
            if (h != null) {
                out.add(new Versioned<>(h, kv.modRevision()));
            }
        }
        return out;
    }

    /** Sleeps a random time up to {@code backoffBase · 2^attempt}, capped at {@code backoffMax}. */
    void backoff(int attempt) {
        long base = config.backoffBase().toNanos();
        long cap = Math.min(config.backoffMax().toNanos(), base << Math.min(attempt, 20));
        try {
            Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpamException(Reason.CONFLICT, "interrupted while retrying; try again", e);
        }
    }

    /** The decoded record, or null (logged) when it is corrupt: one bad record must not stop a listing. */
    static <T> T decodeOrSkip(KeyValue kv, Function<KeyValue, T> decode) {
        try {
            return decode.apply(kv);
        } catch (StoreException e) {
            LOG.log(Level.ERROR, "corrupt record skipped key={0} error={1}", kv.key(), e.getMessage());
            return null;
        }
    }

    static IpamException translate(String what, StoreException e) {
        Reason r = switch (e.reason()) {
            case UNAVAILABLE -> Reason.UNAVAILABLE;
            case CORRUPT -> Reason.CORRUPT;
            default -> Reason.STORE;
        };
        return new IpamException(r, what + ": " + e.getMessage() + (r == Reason.UNAVAILABLE ? "; try again" : ""), e);
    }
}
