package dev.viaduct.bgp.rib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.Family;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * PrefixMap against a HashMap: any sequence of puts, removes (backward-shift deletion) and clears, from a map made
 * empty (no table until the first insert) or with an expected size, leaves the same entries. Keys come from a small
 * set so that probes collide and deletions shift.
 */
class PrefixMapTest {
    /** op: 0 put, 1 remove, 2 get, 3 clear (rare); key index into a small key space. */
    record Op(int op, int key, int value) {
    }

    @Property(tries = 300)
    void v4BehavesLikeAHashMap(@ForAll("ops") List<Op> ops, @ForAll boolean presized) {
        check(Family.IPV4_UNICAST, ops, presized);
    }

    @Property(tries = 300)
    void v6BehavesLikeAHashMap(@ForAll("ops") List<Op> ops, @ForAll boolean presized) {
        check(Family.IPV6_UNICAST, ops, presized);
    }

    @Test
    void aSizeHintGivesTheSlotsItNeedsNotTheNextPowerOfTwo() {
        PrefixMap<Integer> m = new PrefixMap<>(Family.IPV4_UNICAST, 1_000_000);
        assertThat(m.capacity()).isEqualTo((int) Math.ceil(1_000_000 / 0.7) + 1);
        for (int i = 0; i < 1_000_000; i++) {
            long key = (long) i << 16 | 24; // distinct /24s
            m.putV4(key, i);
        }
        assertThat(m.capacity()).as("a million entries fit without growing").isEqualTo((int) Math.ceil(1_000_000 / 0.7) + 1);
        assertThat(m.getV4(999_999L << 16 | 24)).isEqualTo(999_999);
    }

    private static void check(Family f, List<Op> ops, boolean presized) {
        // presized maps get capacities that are not powers of two (17..53 slots), grown ones powers of two
        PrefixMap<Integer> map = presized ? new PrefixMap<>(f, 1 + ops.size() % 37) : new PrefixMap<>(f);
        Map<List<Long>, Integer> model = new HashMap<>();
        for (Op op : ops) {
            long[] k = key(f, op.key());
            List<Long> mk = List.of(k[0], k[1], k[2]);
            switch (op.op()) {
                case 0 -> assertThat(map.put(k[0], k[1], (int) k[2], op.value())).isEqualTo(model.put(mk, op.value()));
                case 1 -> assertThat(map.remove(k[0], k[1], (int) k[2])).isEqualTo(model.remove(mk));
                case 2 -> assertThat(map.get(k[0], k[1], (int) k[2])).isEqualTo(model.get(mk));
                default -> {
                    map.clear();
                    model.clear();
                }
            }
            assertThat(map.size()).isEqualTo(model.size());
        }
        Map<List<Long>, Integer> seen = new HashMap<>();
        map.forEach((a, b, len, v) -> seen.put(List.of(a, b, (long) len), v));
        assertThat(seen).isEqualTo(model);
        assertThat(map.keys().size).isEqualTo(model.size());
    }

    /** Key {@code i} as (a, b, len): IPv4 the packed address << 8 | length word, IPv6 hi, lo, length. */
    private static long[] key(Family f, int i) {
        int len = 8 + i % 25;
        if (f == Family.IPV4_UNICAST) {
            long address = (10L << 24 | (long) i << 8) & 0xffffffffL;
            return new long[] {address << 8 | len, 0, len};
        }
        return new long[] {0x2001_0db8_0000_0000L | i, i * 31L, len};
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> op = Arbitraries.integers().between(0, 40).map(x -> x < 20 ? 0 : x < 32 ? 1 : x < 40 ? 2 : 3);
        Arbitrary<Op> one = Combinators.combine(op, Arbitraries.integers().between(0, 60), Arbitraries.integers()).as(Op::new);
        return one.list().ofMaxSize(300);
    }
}
