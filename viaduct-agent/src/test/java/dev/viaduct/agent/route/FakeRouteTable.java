package dev.viaduct.agent.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A kernel stand-in: our routes, foreign routes (other protocols) and devices; emits events like netlink. */
final class FakeRouteTable implements RouteTable {
    final Map<Route.Key, Route> ours = new HashMap<>();
    final Map<Route.Key, Route> foreign = new HashMap<>();
    final Set<String> devices = new HashSet<>(Set.of("eth0"));
    final List<Change> log = new CopyOnWriteArrayList<>();
    final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    int dumps;
    /** While set, {@link #apply} waits for it to open: a netlink call that does not return. */
    volatile java.util.concurrent.CountDownLatch wedge;

    @Override
    public synchronized List<Route> dumpOwned() {
        dumps++;
        return new ArrayList<>(ours.values());
    }

    @Override
    public List<Outcome> apply(List<Change> changes) {
        var w = wedge;
        if (w != null) {
            try {
                w.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Outcome> out = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        synchronized (this) {
            for (Change c : changes) {
                log.add(c);
                Route r = c.route();
                String dev = r.nextHops().isEmpty() ? null : r.nextHops().getFirst().device().orElse(null);
                switch (c.op()) {
                    case ADD -> {
                        if (dev != null && !devices.contains(dev)) {
                            out.add(new Outcome.DeviceMissing(dev));
                        } else if (ours.containsKey(r.key()) || foreign.containsKey(r.key())) {
                            out.add(new Outcome.Conflict("File exists"));
                        } else {
                            ours.put(r.key(), r);
                            out.add(new Outcome.Done());
                            events.add(new Event.Added(r));
                        }
                    }
                    case REPLACE -> {
                        ours.put(r.key(), r);
                        out.add(new Outcome.Done());
                        events.add(new Event.Added(r));
                    }
                    case DELETE -> {
                        if (ours.remove(r.key()) != null) {
                            out.add(new Outcome.Done());
                            events.add(new Event.Deleted(r));
                        } else {
                            out.add(new Outcome.AlreadyGone());
                        }
                    }
                }
            }
        }
        events.forEach(this::emit);
        return out;
    }

    /** Someone else deletes one of our routes. */
    void deleteBehindTheBack(Route.Key k) {
        Route r;
        synchronized (this) {
            r = ours.remove(k);
        }
        if (r != null) {
            emit(new Event.Deleted(r));
        }
    }

    void emit(Event e) {
        listeners.forEach(l -> l.accept(e));
    }

    @Override
    public AutoCloseable subscribe(Consumer<Event> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    synchronized Map<Route.Key, Route> snapshot() {
        return Map.copyOf(ours);
    }
}
