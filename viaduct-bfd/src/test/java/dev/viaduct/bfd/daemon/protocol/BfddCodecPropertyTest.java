package dev.viaduct.bfd.daemon.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.Timers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** decode(encode(m)) == m for every message; arbitrary bytes give only the protocol's own error. */
class BfddCodecPropertyTest {

    @Property(tries = 500)
    void roundTrip(@ForAll("messages") BfddMessage m) throws Exception {
        String line = BfddCodec.encode(m);
        assertThat(line).doesNotContain("\n");
        assertThat(BfddCodec.decode(line)).isEqualTo(m);
    }

    @Property(tries = 2000)
    void randomBytesGiveOnlyTheTypedError(@ForAll byte[] bytes) {
        String line = new String(bytes, StandardCharsets.UTF_8);
        try {
            BfddCodec.decode(line);
        } catch (BfddProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void mutatedValidLinesGiveOnlyTheTypedError(@ForAll("messages") BfddMessage m, @ForAll("positions") int pos,
            @ForAll char c) {
        String line = BfddCodec.encode(m);
        int at = pos % line.length();
        String mutated = line.substring(0, at) + c + line.substring(at + 1);
        try {
            BfddCodec.decode(mutated);
        } catch (BfddProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 100_000);
    }

    static Arbitrary<InetAddress> addresses(boolean v4) {
        return Arbitraries.bytes().array(byte[].class).ofSize(v4 ? 4 : 16).map(b -> {
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }).filter(a -> (a.getAddress().length == 4) == v4);
    }

    static net.jqwik.api.arbitraries.StringArbitrary text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\n', '"', '\\', 'é', '→').ofMaxLength(30);
    }

    static Arbitrary<Timers> timers() {
        return Combinators.combine(Arbitraries.longs().between(1_000, 0xFFFF_FFFFL), Arbitraries.longs().between(1_000, 0xFFFF_FFFFL),
                Arbitraries.integers().between(1, 255))
                .as((tx, rx, m) -> new Timers(Duration.ofNanos(tx * 1000), Duration.ofNanos(rx * 1000), m));
    }

    static Arbitrary<DesiredSession> desired() {
        return Arbitraries.of(true, false).flatMap(v4 -> Combinators.combine(text(), addresses(v4), addresses(v4),
                text().ofMinLength(1).ofMaxLength(15).optional(), timers())
                .as((n, p, l, i, t) -> new DesiredSession(n, p, l, i, t)));
    }

    static Arbitrary<Duration> micros() {
        return Arbitraries.longs().between(0, 10_000_000_000L).map(us -> Duration.ofNanos(us * 1000));
    }

    static Arbitrary<SessionView> views() {
        Arbitrary<Instant> instants = Arbitraries.longs().between(0, 4_000_000_000L)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
        Arbitrary<Long> counts = Arbitraries.longs().between(0, Long.MAX_VALUE);
        Arbitrary<BfdState> states = Arbitraries.of(BfdState.class);
        return Combinators.combine(desired(), states, states, Arbitraries.of(true, false), micros(), micros(), micros(), instants)
                .as((d, s, r, pd, tx, rx, det, at) -> new Object[] {d, s, r, pd, tx, rx, det, at})
                .flatMap(o -> Combinators.combine(counts, counts, counts, text().optional()).as((in, out, disc, err) -> {
                    DesiredSession d = (DesiredSession) o[0];
                    return new SessionView(d.name(), d.peer(), d.local(), d.interfaceName(), (BfdState) o[1], (BfdState) o[2],
                            (Boolean) o[3], (Duration) o[4], (Duration) o[5], (Duration) o[6], (Instant) o[7], in, out, disc, err);
                }));
    }

    @Provide
    Arbitrary<BfddMessage> messages() {
        Arbitrary<Long> ids = Arbitraries.longs().between(0, Long.MAX_VALUE);
        Arbitrary<Long> counts = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Arbitraries.oneOf(
                Combinators.combine(ids, Arbitraries.integers().between(0, Integer.MAX_VALUE), text())
                        .as(BfddMessage.Hello::new),
                Combinators.combine(ids, desired().list().ofMaxSize(4)).as(BfddMessage.SetSessions::new),
                ids.map(BfddMessage.GetStatus::new),
                Combinators.combine(ids, Arbitraries.of(true, false)).as(BfddMessage.Shutdown::new),
                Combinators.combine(ids, Arbitraries.integers().between(0, 9), counts, text(),
                        Arbitraries.longs().between(0, 4_000_000_000L).map(Instant::ofEpochSecond), views().list().ofMaxSize(3), counts)
                        .as(BfddMessage.Welcome::new),
                Combinators.combine(ids, views().list().ofMaxSize(3), counts).as(BfddMessage.Status::new),
                Combinators.combine(ids, text()).as(BfddMessage.Failure::new),
                Combinators.combine(ids, views(), Arbitraries.of(BfdState.class), Arbitraries.of(BfdState.class),
                        Arbitraries.integers().between(0, 31).map(Diagnostic::new),
                        Arbitraries.of("UP", "PATH_DOWN", "ADMIN_DOWN", "NONE"))
                        .as(BfddMessage.Event::new));
    }
}
