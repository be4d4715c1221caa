package dev.viaduct.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PrefixDifferenceTest {
    @Test
    void removesTheExceptFromTheBlock() {
        assertThat(PrefixDifference.of(IpPrefix.parse("10.0.0.0/30"), List.of(IpPrefix.parse("10.0.0.1/32"))))
                .containsExactly(IpPrefix.parse("10.0.0.0/32"), IpPrefix.parse("10.0.0.2/31"));
        assertThat(PrefixDifference.of(IpPrefix.parse("fd00::/64"), List.of()))
                .containsExactly(IpPrefix.parse("fd00::/64"));
    }

    /** Every address of a small block: in the difference exactly when it is in no except. */
    @Property(tries = 300)
    void coversExactlyTheBlockMinusTheExcepts(@ForAll @IntRange(min = 24, max = 28) int blockLen,
                                              @ForAll @IntRange(min = 0, max = 255) int a, @ForAll @IntRange(min = 25, max = 32) int aLen,
                                              @ForAll @IntRange(min = 0, max = 255) int b, @ForAll @IntRange(min = 25, max = 32) int bLen) {
        IpPrefix block = IpPrefix.parse("10.1.2.0/24").withLength(blockLen).network();
        List<IpPrefix> except = new ArrayList<>();
        for (int[] e : new int[][] {{a, aLen}, {b, bLen}}) {
            IpPrefix p = IpPrefix.v4(0x0a010200 | e[0], e[1]).network();
            if (block.contains(p) && p.length() > block.length()) {
                except.add(p);
            }
        }
        List<IpPrefix> diff = PrefixDifference.of(block, except);
        for (int i = 0; i < 256; i++) {
            IpPrefix host = IpPrefix.v4(0x0a010200 | i, 32);
            boolean expected = block.contains(host) && except.stream().noneMatch(e -> e.contains(host));
            long hits = diff.stream().filter(d -> d.contains(host)).count();
            assertThat(hits).as("%s in %s minus %s", host, block, except).isEqualTo(expected ? 1 : 0);
        }
    }
}
