package dev.viaduct.bfd.daemon;

import dev.viaduct.bfd.BfdManager;
import dev.viaduct.bfd.BfdSocketException;
import dev.viaduct.bfd.SessionConfig;
import dev.viaduct.bfd.SessionKey;
import dev.viaduct.bfd.SessionStatus;
import dev.viaduct.bfd.StateChange;
import dev.viaduct.bfd.session.Timers;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@link BfdDaemon} needs from a BFD implementation: the seam between the daemon's bookkeeping and
 * viaduct-bfd's {@link BfdManager} (tests use a hand-written fake).
 */
public interface BfdEngine {
    /** Adds and starts a session; fails without leaving anything behind. */
    SessionKey add(SessionConfig config) throws BfdSocketException;

    /** Removes a session after sending AdminDown (RFC 5880 §6.8.16). */
    void remove(SessionKey key);

    /** New timers, through a Poll Sequence while Up (RFC 5880 §6.8.3). */
    void reconfigure(SessionKey key, Timers timers);

    Optional<SessionStatus> session(SessionKey key);

    List<SessionStatus> sessions();

    /** Received packets no session claimed. */
    long unmatchedDiscards();

    /** Every state change of every session, in order, on one thread. */
    void subscribe(Consumer<StateChange> listener);

    /** Removes every session with AdminDown and stops. */
    void close();

    /** The engine over a real manager. */
    static BfdEngine of(BfdManager m) {
        return new BfdEngine() {
            @Override
            public SessionKey add(SessionConfig config) throws BfdSocketException {
                return m.addSession(config);
            }

            @Override
            public void remove(SessionKey key) {
                m.removeSession(key);
            }

            @Override
            public void reconfigure(SessionKey key, Timers timers) {
                m.reconfigure(key, timers);
            }

            @Override
            public Optional<SessionStatus> session(SessionKey key) {
                return m.session(key);
            }

            @Override
            public List<SessionStatus> sessions() {
                return m.sessions();
            }

            @Override
            public long unmatchedDiscards() {
                return m.unmatchedDiscards().values().stream().mapToLong(Long::longValue).sum();
            }

            @Override
            public void subscribe(Consumer<StateChange> listener) {
                m.subscribe(listener);
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }
}
