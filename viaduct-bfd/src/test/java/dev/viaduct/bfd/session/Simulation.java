package dev.viaduct.bfd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.BfdCodec;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Decoded;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Two sessions wired back to back through the codec, on a simulated clock: every transmitted packet is
 * encoded, decoded and delivered to the other side after {@code delayNanos} unless a filter drops it. Timers
 * are taken only from the {@link SessionAction.ArmTimer} actions, so the test also proves the sessions report
 * their deadlines. Everything the sessions do is recorded with its time.
 */
final class Simulation {
    static final long MS = 1_000_000L;

    record Sent(long at, ControlPacket packet) {
    }

    record Change(long at, SessionAction.StateChanged change) {
    }

    record Discard(long at, SessionAction.Discarded discard) {
    }

    private record InFlight(long at, long seq, Side to, ControlPacket packet) {
    }

    final class Side {
        final String name;
        final BfdSession fsm;
        long deadline = Long.MAX_VALUE;
        final List<Sent> sent = new ArrayList<>();
        final List<Change> changes = new ArrayList<>();
        final List<Discard> discards = new ArrayList<>();
        /** Packets this side sends are dropped while this returns true. */
        Predicate<ControlPacket> drop = p -> false;
        Side peer;

        Side(String name, long discriminator, Timers timers, Optional<AuthKey> auth, long seed) {
            this.name = name;
            this.fsm = new BfdSession(name, discriminator, timers, auth, new SplittableRandom(seed), now);
        }

        void handle(SessionEvent e) {
            for (SessionAction a : fsm.handle(now, e)) {
                switch (a) {
                    case SessionAction.Transmit t -> {
                        sent.add(new Sent(now, t.packet()));
                        if (!drop.test(t.packet())) {
                            Decoded d = BfdCodec.decode(BfdCodec.encode(t.packet()));
                            assertThat(d).as(name + " sent an undecodable packet").isInstanceOf(Decoded.Valid.class);
                            network.add(new InFlight(now + delayNanos, seq++, peer, ((Decoded.Valid) d).packet()));
                        }
                    }
                    case SessionAction.StateChanged c -> changes.add(new Change(now, c));
                    case SessionAction.Discarded x -> discards.add(new Discard(now, x));
                    case SessionAction.ArmTimer t -> deadline = t.deadlineNanos();
                }
            }
            assertThat(deadline).as(name + " ArmTimer matches nextDeadline").isEqualTo(fsm.nextDeadline());
        }

        SessionSnapshot snap() {
            return fsm.snapshot();
        }

        /** Packets sent in [from, to). */
        List<Sent> sentBetween(long from, long to) {
            return sent.stream().filter(s -> s.at >= from && s.at < to).toList();
        }
    }

    long now;
    long seq;
    long delayNanos = MS / 2;
    final PriorityQueue<InFlight> network = new PriorityQueue<>(Comparator.comparingLong(InFlight::at).thenComparingLong(InFlight::seq));
    final Side a;
    final Side b;

    Simulation(Timers timersA, Timers timersB, Optional<AuthKey> authA, Optional<AuthKey> authB, long seed) {
        a = new Side("A", 0x0A0A0A0AL, timersA, authA, seed);
        b = new Side("B", 0x0B0B0B0BL, timersB, authB, seed + 1);
        a.peer = b;
        b.peer = a;
    }

    Simulation(long seed) {
        this(Timers.DEFAULT, Timers.DEFAULT, Optional.empty(), Optional.empty(), seed);
    }

    void start() {
        a.handle(SessionEvent.START);
        b.handle(SessionEvent.START);
    }

    /** Runs events in time order up to and including {@code until}. */
    void runUntil(long until) {
        while (true) {
            long next = Math.min(Math.min(a.deadline, b.deadline), network.isEmpty() ? Long.MAX_VALUE : network.peek().at());
            if (next > until) {
                now = until;
                return;
            }
            now = Math.max(now, next);
            if (!network.isEmpty() && network.peek().at() <= now) {
                InFlight f = network.poll();
                f.to().handle(new SessionEvent.Received(f.packet()));
            } else if (a.deadline <= now) {
                a.handle(SessionEvent.TICK);
            } else {
                b.handle(SessionEvent.TICK);
            }
        }
    }

    void runFor(long nanos) {
        runUntil(now + nanos);
    }

    /** Runs until both sides are Up (fails after {@code limit}). */
    void runUntilUp(long limit) {
        long end = now + limit;
        while (now < end && !(a.fsm.state() == dev.viaduct.bfd.packet.BfdState.UP && b.fsm.state() == dev.viaduct.bfd.packet.BfdState.UP)) {
            runUntil(Math.min(end, now + MS));
        }
        assertThat(a.fsm.state()).as("A up within the limit").isEqualTo(dev.viaduct.bfd.packet.BfdState.UP);
        assertThat(b.fsm.state()).as("B up within the limit").isEqualTo(dev.viaduct.bfd.packet.BfdState.UP);
    }
}
