package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** decode(encode(x)) == x for every stored record, and garbage decodes only to our typed error. */
class WireFormatTest {
    static KeyValue kv(String key, byte[] v) {
        return new KeyValue(key, v, 1, 1, 1, 0);
    }

    @Provide
    Arbitrary<Pool> pools() {
        Arbitrary<Cidr> v4 = Arbitraries.integers().between(8, 26).flatMap(len -> Arbitraries.integers()
                .map(i -> Cidr.containing(Cidr.fromBig(BigInteger.valueOf(i & 0xffffffffL), 32), len)));
        Arbitrary<Cidr> v6 = Arbitraries.integers().between(48, 120).flatMap(len -> Arbitraries.bigIntegers()
                .between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE))
                .map(b -> Cidr.containing(Cidr.fromBig(b, 128), len)));
        return Combinators.combine(Arbitraries.oneOf(v4, v6), Arbitraries.of(true, false), Arbitraries.of(EncapMode.values()),
                Arbitraries.of("all()", "rack == 'a'", "has(x) && y in {'1','2'}"), Arbitraries.of(true, false))
                .as((c, dis, mode, sel, nat) -> {
                    int bs = Pool.defaultBlockSize(c);
                    List<Cidr> reserved = c.prefixLength() < c.bits() ? List.of(new Cidr(c.address(), c.bits())) : List.of();
                    return new Pool(c, bs, dis, sel, mode, EncapMode.NEVER, nat, reserved);
                });
    }

    @Property
    void poolsRoundTrip(@ForAll("pools") Pool p) {
        assertThat(WireFormat.decodePool(kv("/p", WireFormat.encode(p)))).isEqualTo(p);
    }

    @Provide
    Arbitrary<Block> blocks() {
        return Arbitraries.integers().between(0, 1 << 20).flatMap(base -> Arbitraries.integers().between(0, 63).set()
                .ofMaxSize(20).flatMap(ords -> Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8)
                        .map(node -> {
                            Cidr c = new Cidr(Cidr.fromBig(BigInteger.valueOf(0x0a000000L + ((long) base << 6)), 32), 26);
                            List<Block.Allocation> as = new ArrayList<>();
                            for (int o : ords) {
                                as.add(new Block.Allocation(c.addressAt(o), "net.c" + o + ".eth0", o % 2 == 0 ? node : "other"));
                            }
                            return new Block(c, node.length() % 2 == 0 ? null : node, as, ords.isEmpty() ? 0 : ords.iterator().next());
                        })));
    }

    @Property
    void blocksRoundTrip(@ForAll("blocks") Block b) {
        assertThat(WireFormat.decodeBlock(kv("/b", WireFormat.encode(b)))).isEqualTo(b);
    }

    @Property
    void handlesRoundTrip(@ForAll("blocks") Block b, @ForAll long seconds) {
        List<InetAddress> as = b.allocations().stream().map(Block.Allocation::address).limit(2).toList();
        Handle h = new Handle("net.x.eth0", "n1", as, Map.of("k8s.pod", "ns/" + seconds),
                Instant.ofEpochSecond(Math.floorMod(seconds, 4_000_000_000L)));
        assertThat(WireFormat.decodeHandle(kv("/h", WireFormat.encode(h)))).isEqualTo(h);
    }

    @Property
    void garbageGivesOnlyTheTypedError(@ForAll byte[] junk) {
        for (var decode : List.<java.util.function.Function<KeyValue, ?>>of(WireFormat::decodePool, WireFormat::decodeBlock,
                WireFormat::decodeHandle, WireFormat::decodeSighting)) {
            try {
                decode.apply(kv("/junk", junk));
            } catch (StoreException e) {
                assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT);
                assertThat(e.getMessage()).startsWith("key /junk: ");
            }
        }
    }

    @Test
    void fieldErrorsNameKeyAndField() {
        assertThatThrownBy(() -> WireFormat.decodeBlock(kv("/viaduct/v1/ipam/blocks/10.0.0.0-26",
                "{\"cidr\":\"10.0.0.0/26\",\"allocations\":[{\"address\":\"10.0.0.1\",\"node\":\"n\"}]}".getBytes())))
                .isInstanceOf(StoreException.class)
                .hasMessage("key /viaduct/v1/ipam/blocks/10.0.0.0-26: allocations[0].handle: missing");
        assertThatThrownBy(() -> WireFormat.decodePool(kv("/p", "{\"cidr\":\"10.0.0.0/8\",\"vxlanMode\":\"Sometimes\"}".getBytes())))
                .hasMessageContaining("vxlanMode: 'Sometimes' is not one of Never, CrossSubnet, Always");
    }
}
