package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.AuthSection;
import dev.viaduct.bfd.packet.BfdCodec;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One crafted datagram per reception check: each is an otherwise valid Up packet from the peer's address to our
 * session (right discriminators, TTL 255) broken in exactly one way, so if any check were missing the packet
 * would be accepted (or, for the dangerous ones, take the session down).
 */
final class Malformed {
    private Malformed() {
    }

    static Map<DiscardReason, byte[]> packets(long peerDiscriminator, long ourDiscriminator) {
        ControlPacket up = ControlPacket.of(Diagnostic.NONE, BfdState.UP, false, false, 3, peerDiscriminator, ourDiscriminator, 100_000, 100_000);
        ControlPacket down = ControlPacket.of(Diagnostic.PATH_DOWN, BfdState.DOWN, false, false, 3, peerDiscriminator, ourDiscriminator,
                100_000, 100_000);
        byte[] good = BfdCodec.encode(up);
        Map<DiscardReason, byte[]> m = new LinkedHashMap<>();
        m.put(DiscardReason.TRUNCATED, new byte[] {0x20, (byte) 0xc0});
        m.put(DiscardReason.BAD_VERSION, mutate(BfdCodec.encode(down), 0, (byte) (2 << 5 | 5)));
        m.put(DiscardReason.LENGTH_BELOW_MINIMUM, mutate(good, 3, (byte) 20));
        m.put(DiscardReason.LENGTH_EXCEEDS_PAYLOAD, mutate(good, 3, (byte) 40));
        byte[] tooLong = Arrays.copyOf(good, 28);
        tooLong[3] = 28;
        m.put(DiscardReason.LENGTH_MISMATCH, tooLong);
        m.put(DiscardReason.DETECT_MULT_ZERO, mutate(BfdCodec.encode(down), 2, (byte) 0));
        m.put(DiscardReason.MULTIPOINT_SET, mutate(BfdCodec.encode(down), 1, (byte) (BfdState.DOWN.code() << 6 | 0x01)));
        m.put(DiscardReason.POLL_AND_FINAL, mutate(good, 1, (byte) (BfdState.UP.code() << 6 | 0x30)));
        m.put(DiscardReason.MY_DISCRIMINATOR_ZERO, BfdCodec.encode(ControlPacket.of(Diagnostic.PATH_DOWN, BfdState.DOWN, false, false, 3, 0,
                ourDiscriminator, 100_000, 100_000)));
        m.put(DiscardReason.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN, BfdCodec.encode(ControlPacket.of(Diagnostic.NONE, BfdState.INIT, false, false,
                3, peerDiscriminator, 0, 100_000, 100_000)));
        byte[] reservedAuth = BfdCodec.encode(down.withAuth(Optional.of(new AuthSection.SimplePassword(1, "x".getBytes()))));
        reservedAuth[24] = 9;
        m.put(DiscardReason.AUTH_SECTION_MALFORMED, reservedAuth);
        m.put(DiscardReason.NO_SESSION, BfdCodec.encode(ControlPacket.of(Diagnostic.PATH_DOWN, BfdState.DOWN, false, false, 3,
                peerDiscriminator, ourDiscriminator ^ 0x5a5a5a5aL, 100_000, 100_000)));
        // well-formed, but authenticated while the session uses no authentication: must not take it down
        m.put(DiscardReason.AUTH_UNEXPECTED, BfdCodec.encode(down.withAuth(Optional.of(new AuthSection.SimplePassword(1, "x".getBytes())))));
        return m;
    }

    /** Sends every packet of {@link #packets} from {@code from} (inside {@code ns}) with TTL 255, plus a valid Down at TTL 254. */
    static void inject(java.nio.file.Path ns, InetAddress from, InetAddress to, long peerDiscriminator, long ourDiscriminator)
            throws Exception {
        try (Injector i = Injector.open(ns, from, 255)) {
            for (byte[] p : packets(peerDiscriminator, ourDiscriminator).values()) {
                i.send(p, to);
            }
        }
        try (Injector far = Injector.open(ns, from, 254)) {
            far.send(BfdCodec.encode(ControlPacket.of(Diagnostic.PATH_DOWN, BfdState.DOWN, false, false, 3, peerDiscriminator,
                    ourDiscriminator, 100_000, 100_000)), to);
        }
    }

    private static byte[] mutate(byte[] wire, int at, byte value) {
        byte[] copy = wire.clone();
        copy[at] = value;
        return copy;
    }
}
