package dev.viaduct.bfd.session;

import static dev.viaduct.bfd.session.Simulation.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** One session under test, fed hand-made packets from a pretend peer, on a simulated clock. */
final class ScriptedPeer {
    static final long PEER_DISCRIMINATOR = 0x5EE5EEL;

    record Result(List<ControlPacket> sent, List<SessionAction.StateChanged> changes, List<SessionAction.Discarded> discards) {
    }

    private record Sent(long at, ControlPacket packet) {
    }

    final BfdSession fsm;
    long now = 1_000 * MS;
    private long deadline = Long.MAX_VALUE;
    private final List<Sent> sent = new ArrayList<>();

    private ScriptedPeer(long seed) {
        fsm = new BfdSession("under-test", 0xC0FFEEL, Timers.DEFAULT, Optional.empty(), new SplittableRandom(seed), now);
        apply(SessionEvent.START);
    }

    static ScriptedPeer fresh(long seed) {
        return new ScriptedPeer(seed);
    }

    /** A session brought Up by the script, with its Poll to the fast timers answered. */
    static ScriptedPeer upSession(long seed) {
        ScriptedPeer p = new ScriptedPeer(seed);
        p.receive(p.packet(BfdState.DOWN).build());
        p.receive(p.packet(BfdState.UP).build());
        assertThat(p.fsm.state()).isEqualTo(BfdState.UP);
        p.receive(p.packet(BfdState.UP).fin(true).build());
        assertThat(p.fsm.snapshot().pollActive()).isFalse();
        return p;
    }

    long localDiscriminator() {
        return fsm.localDiscriminator();
    }

    /** Delivers a packet one millisecond after the previous event. */
    Result receive(ControlPacket p) {
        advance(MS);
        return apply(new SessionEvent.Received(p));
    }

    /** Lets time pass while the peer sends {@code periodic} every 100 ms. */
    void advance(long nanos, java.util.function.Supplier<ControlPacket> periodic) {
        long end = now + nanos;
        while (now + 100 * MS <= end) {
            advance(100 * MS - MS);
            receive(periodic.get());
        }
        advance(end - now);
    }

    /** Lets time pass, firing the session's timers. */
    void advance(long nanos) {
        long end = now + nanos;
        while (deadline <= end) {
            now = Math.max(now, deadline);
            apply(SessionEvent.TICK);
        }
        now = end;
    }

    /** Packets sent strictly after {@code t}. */
    List<ControlPacket> sentSince(long t) {
        return sent.stream().filter(s -> s.at() > t).map(Sent::packet).toList();
    }

    private Result apply(SessionEvent e) {
        List<ControlPacket> out = new ArrayList<>();
        List<SessionAction.StateChanged> changes = new ArrayList<>();
        List<SessionAction.Discarded> discards = new ArrayList<>();
        for (SessionAction a : fsm.handle(now, e)) {
            switch (a) {
                case SessionAction.Transmit t -> {
                    out.add(t.packet());
                    sent.add(new Sent(now, t.packet()));
                }
                case SessionAction.StateChanged c -> changes.add(c);
                case SessionAction.Discarded d -> discards.add(d);
                case SessionAction.ArmTimer t -> deadline = t.deadlineNanos();
            }
        }
        return new Result(out, changes, discards);
    }

    Builder packet(BfdState state) {
        return new Builder(state);
    }

    final class Builder {
        private final BfdState state;
        private long your;
        private boolean poll;
        private boolean fin;
        private boolean demand;
        private long requiredMinRx = 100_000;

        Builder(BfdState state) {
            this.state = state;
            this.your = state == BfdState.INIT || state == BfdState.UP ? fsm.localDiscriminator() : 0;
        }

        Builder your(long d) {
            your = d;
            return this;
        }

        Builder poll(boolean v) {
            poll = v;
            return this;
        }

        Builder fin(boolean v) {
            fin = v;
            return this;
        }

        Builder demand(boolean v) {
            demand = v;
            return this;
        }

        Builder requiredMinRx(long micros) {
            requiredMinRx = micros;
            return this;
        }

        ControlPacket build() {
            return new ControlPacket(Diagnostic.NONE, state, poll, fin, false, demand, false, 3, PEER_DISCRIMINATOR, your, 100_000,
                    requiredMinRx, 0, Optional.empty());
        }
    }
}
