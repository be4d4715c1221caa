package dev.viaduct.bfd.session;

import java.time.Duration;

/**
 * The timer parameters of a session (RFC 5880 §6.8.1): the fastest rate we want to send at
 * ({@code bfd.DesiredMinTxInterval}), the fastest rate we can receive at ({@code bfd.RequiredMinRxInterval})
 * and the detection multiplier ({@code bfd.DetectMult}). The peer detects our failure after
 * {@code detectMultiplier} intervals without packets; with the {@link #DEFAULT} of 100 ms and 3 that is about
 * 300 ms.
 *
 * <p>Intervals must be whole microseconds between 1 ms and 2^32-1 µs: sub-millisecond BFD is not something a
 * JVM-scheduled sender can keep up, and the wire fields are 32-bit microseconds.
 */
public record Timers(Duration desiredMinTx, Duration requiredMinRx, int detectMultiplier) {
    /** 100 ms both ways, multiplier 3: detection in ~300 ms. */
    public static final Timers DEFAULT = new Timers(Duration.ofMillis(100), Duration.ofMillis(100), 3);

    private static final long MAX_MICROS = 0xFFFF_FFFFL;

    public Timers {
        check("desired min tx interval", desiredMinTx);
        check("required min rx interval", requiredMinRx);
        if (detectMultiplier < 1 || detectMultiplier > 255) {
            throw new IllegalArgumentException("detect multiplier must be 1-255 (RFC 5880 §6.8.1: nonzero, one byte), got " + detectMultiplier);
        }
    }

    /** Same interval both ways. */
    public static Timers of(Duration interval, int detectMultiplier) {
        return new Timers(interval, interval, detectMultiplier);
    }

    public long desiredMinTxMicros() {
        return desiredMinTx.toNanos() / 1000;
    }

    public long requiredMinRxMicros() {
        return requiredMinRx.toNanos() / 1000;
    }

    private static void check(String field, Duration d) {
        if (d == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0 || d.toNanos() / 1000 > MAX_MICROS) {
            throw new IllegalArgumentException(field + " must be between 1 ms and " + MAX_MICROS + " µs, got " + d);
        }
        if (d.toNanos() % 1000 != 0) {
            throw new IllegalArgumentException(field + " must be whole microseconds (the wire unit), got " + d);
        }
    }
}
