package dev.viaduct.bfd.daemon;

import dev.viaduct.bfd.BfdSocketException;
import dev.viaduct.bfd.SessionConfig;
import dev.viaduct.bfd.SessionKey;
import dev.viaduct.bfd.SessionStatus;
import dev.viaduct.bfd.StateChange;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.SessionSnapshot;
import dev.viaduct.bfd.session.Timers;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A BFD engine whose sessions change state only when the test says so ({@link #change}); it records every call,
 * and refuses to add sessions for local addresses in {@link #failingLocals}. Public for the agent's supervisor tests
 * (this module's test jar).
 */
public final class FakeEngine implements BfdEngine {
    public final Map<SessionKey, SessionConfig> sessions = new LinkedHashMap<>();
    final Map<SessionKey, BfdState> states = new LinkedHashMap<>();
    final Map<SessionKey, BfdState> remoteStates = new LinkedHashMap<>();
    public final List<String> calls = new CopyOnWriteArrayList<>();
    final Set<InetAddress> failingLocals = ConcurrentHashMap.newKeySet();
    private final List<Consumer<StateChange>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    @Override
    public synchronized SessionKey add(SessionConfig config) throws BfdSocketException {
        if (failingLocals.contains(config.local())) {
            calls.add("add-failed " + config.peer().getHostAddress());
            // what BfdManager reports as BfdSocketException (not constructible here); the daemon treats both alike
            throw new IllegalStateException("bind(" + config.local().getHostAddress() + ":3784): Cannot assign requested address (errno 99)");
        }
        SessionKey k = config.key();
        sessions.put(k, config);
        states.put(k, BfdState.DOWN);
        remoteStates.put(k, BfdState.DOWN);
        calls.add("add " + config.peer().getHostAddress());
        return k;
    }

    @Override
    public synchronized void remove(SessionKey key) {
        sessions.remove(key);
        states.remove(key);
        calls.add("remove " + key.peer().getHostAddress());
    }

    @Override
    public synchronized void reconfigure(SessionKey key, Timers timers) {
        SessionConfig c = sessions.get(key);
        sessions.put(key, new SessionConfig(c.peer(), c.local(), c.interfaceName(), timers, c.auth()));
        calls.add("retime " + key.peer().getHostAddress() + " " + timers.desiredMinTx().toMillis());
    }

    @Override
    public synchronized Optional<SessionStatus> session(SessionKey key) {
        return Optional.ofNullable(status(key));
    }

    private SessionStatus status(SessionKey key) {
        SessionConfig c = sessions.get(key);
        if (c == null) {
            return null;
        }
        BfdState st = states.get(key);
        Duration tx = st == BfdState.UP ? c.timers().desiredMinTx() : Duration.ofSeconds(1);
        SessionSnapshot snap = new SessionSnapshot(st, remoteStates.get(key), Diagnostic.NONE, Diagnostic.NONE, 1, 2,
                c.timers().desiredMinTx(), c.timers().requiredMinRx(), c.timers().detectMultiplier(), tx, tx, 3, tx, tx,
                st == BfdState.UP ? tx.multipliedBy(3) : Duration.ZERO, false, false, 0, 0);
        return new SessionStatus(key, snap, Instant.parse("2030-01-01T00:00:00Z"), false, 50000,
                new SessionStatus.Counters(10, 20, 0, Map.of()));
    }

    @Override
    public synchronized List<SessionStatus> sessions() {
        List<SessionStatus> out = new ArrayList<>();
        for (SessionKey k : sessions.keySet()) {
            out.add(status(k));
        }
        return out;
    }

    @Override
    public long unmatchedDiscards() {
        return 0;
    }

    @Override
    public void subscribe(Consumer<StateChange> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed = true;
        calls.add("close");
    }

    /** The session with {@code peer} goes {@code from -> to}; listeners hear it on this thread. */
    public void change(InetAddress peer, BfdState to, boolean remoteAdminDown) {
        StateChange c;
        synchronized (this) {
            SessionKey k = sessions.keySet().stream().filter(x -> x.peer().equals(peer)).findFirst().orElseThrow();
            BfdState from = states.put(k, to);
            if (remoteAdminDown) {
                remoteStates.put(k, BfdState.ADMIN_DOWN);
            } else if (to == BfdState.UP) {
                remoteStates.put(k, BfdState.UP);
            }
            c = new StateChange(k, from, to, to == BfdState.DOWN ? (remoteAdminDown ? Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN
                    : Diagnostic.CONTROL_DETECTION_TIME_EXPIRED) : Diagnostic.NONE, remoteAdminDown, Instant.now(), System.nanoTime());
        }
        for (Consumer<StateChange> l : listeners) {
            l.accept(c);
        }
    }
}
