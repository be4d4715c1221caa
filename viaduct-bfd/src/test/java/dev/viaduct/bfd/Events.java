package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Collects a manager's state changes and waits for one with a deadline. */
final class Events implements AutoCloseable {
    final List<StateChange> seen = new CopyOnWriteArrayList<>();
    private final BfdManager.Subscription subscription;

    Events(BfdManager manager) {
        subscription = manager.subscribe(seen::add);
    }

    /** Waits for the first change (from index {@code from} on) that matches. */
    StateChange await(String what, Duration timeout, int from, Predicate<StateChange> match) {
        return Poll.until(what, timeout, () -> seen.subList(Math.min(from, seen.size()), seen.size()).stream().filter(match).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }

    /**
     * Waits until the last change seen for {@code session} (if any) went to UP, so changes still being delivered
     * from an earlier step cannot land after a caller's mark; returns the mark.
     */
    int settledUp(String what, Duration timeout, SessionKey session) {
        Poll.until(what, timeout, () -> seen.stream().filter(c -> c.session().equals(session)).reduce((x, y) -> y)
                .map(c -> c.to() == BfdState.UP).orElse(true));
        return seen.size();
    }

    int size() {
        return seen.size();
    }

    @Override
    public void close() {
        subscription.close();
    }
}
