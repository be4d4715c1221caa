package dev.viaduct.bfd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.AuthType;
import dev.viaduct.bfd.packet.Authentication;
import dev.viaduct.bfd.packet.BfdCodec;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Decoded;
import dev.viaduct.bfd.packet.Diagnostic;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random event sequences (arbitrary well-formed packets in any state, timer ticks at random times, admin and
 * timer changes) against one session: it never throws, every packet it sends is one our own decoder accepts,
 * it only moves along the edges of RFC 5880 §6.2, and it never advertises less than one second while not Up.
 */
class SessionFuzzTest {
    private static final Set<String> LEGAL = Set.of("DOWN->INIT", "DOWN->UP", "INIT->UP", "INIT->DOWN", "UP->DOWN",
            "DOWN->ADMIN_DOWN", "INIT->ADMIN_DOWN", "UP->ADMIN_DOWN", "ADMIN_DOWN->DOWN");

    @Property(tries = 300)
    void randomEventsKeepTheSessionConsistent(@ForAll long seed, @ForAll @IntRange(min = 50, max = 400) int steps,
            @ForAll boolean authenticated) {
        SplittableRandom r = new SplittableRandom(seed);
        Optional<AuthKey> key = authenticated ? Optional.of(AuthKey.of(AuthType.METICULOUS_KEYED_SHA1, 1, "k")) : Optional.empty();
        long now = 0;
        BfdSession s = new BfdSession("fuzz", 0xABCDEFL, Timers.DEFAULT, key, new SplittableRandom(seed), now);
        check(s, s.handle(now, SessionEvent.START), key);
        long peerSeq = r.nextLong(0, 0xFFFF_FFFFL);
        for (int i = 0; i < steps; i++) {
            now += r.nextLong(0, 400_000_000L);
            SessionEvent e = switch (r.nextInt(10)) {
                case 0 -> SessionEvent.TICK;
                case 1 -> r.nextBoolean() ? new SessionEvent.AdminDown(Diagnostic.ADMINISTRATIVELY_DOWN) : SessionEvent.ADMIN_UP;
                case 2 -> new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(r.nextInt(1, 2000)), Duration.ofMillis(r.nextInt(1, 2000)),
                        r.nextInt(1, 256)));
                default -> {
                    ControlPacket p = randomPacket(r, s.localDiscriminator());
                    if (key.isPresent() && r.nextInt(4) != 0) {
                        peerSeq = (peerSeq + r.nextInt(0, 3)) & 0xFFFF_FFFFL;
                        p = Authentication.sign(p, key.get(), peerSeq);
                    }
                    yield new SessionEvent.Received(p);
                }
            };
            check(s, s.handle(now, e), key);
            if (s.nextDeadline() <= now) {
                // a due deadline is fired at once by a driver; the session must then move it into the future
                check(s, s.handle(now, SessionEvent.TICK), key);
                assertThat(s.nextDeadline()).isGreaterThan(now);
            }
        }
    }

    private static ControlPacket randomPacket(SplittableRandom r, long ours) {
        BfdState state = BfdState.ofCode(r.nextInt(4));
        long your = switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> ours;
            default -> r.nextLong(1, 0xFFFF_FFFFL);
        };
        if (your == 0 && (state == BfdState.INIT || state == BfdState.UP)) {
            your = ours;
        }
        int pf = r.nextInt(3);
        return new ControlPacket(new Diagnostic(r.nextInt(32)), state, pf == 1, pf == 2, r.nextBoolean(), r.nextInt(5) == 0, false,
                r.nextInt(1, 256), r.nextLong(1, 0xFFFF_FFFFL), your, r.nextLong(0, 3_000_000), r.nextInt(6) == 0 ? 0 : r.nextLong(1, 3_000_000),
                r.nextLong(0, 100_000), Optional.empty());
    }

    private static void check(BfdSession s, List<SessionAction> actions, Optional<AuthKey> key) {
        for (SessionAction a : actions) {
            switch (a) {
                case SessionAction.Transmit t -> {
                    Decoded d = BfdCodec.decode(BfdCodec.encode(t.packet()));
                    assertThat(d).isInstanceOf(Decoded.Valid.class);
                    ControlPacket p = t.packet();
                    assertThat(p.poll() && p.fin()).isFalse();
                    assertThat(p.multipoint()).isFalse();
                    assertThat(p.auth().isPresent()).isEqualTo(key.isPresent());
                    if (p.state() != BfdState.UP) {
                        assertThat(p.desiredMinTxMicros()).isGreaterThanOrEqualTo(1_000_000);
                    }
                    assertThat(Authentication.verify(p, key)).isEmpty();
                }
                case SessionAction.StateChanged c -> assertThat(LEGAL).contains(c.from() + "->" + c.to());
                case SessionAction.Discarded x -> assertThat(x.reason()).isNotNull();
                case SessionAction.ArmTimer t -> assertThat(t.deadlineNanos()).isEqualTo(s.nextDeadline());
            }
        }
    }
}
