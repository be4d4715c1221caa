package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import dev.viaduct.sys.net.IpPrefix;
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
        Arbitrary<IpPrefix> v4 = Arbitraries.integers().between(8, 26).flatMap(len -> Arbitraries.integers()
                .map(i -> IpPrefix.v4(i, len).network()));
        Arbitrary<IpPrefix> v6 = Arbitraries.integers().between(48, 120).flatMap(len -> Combinators.combine(
                Arbitraries.longs(), Arbitraries.longs()).as((hi, lo) -> IpPrefix.v6(hi, lo, len).network()));
        return Combinators.combine(Arbitraries.oneOf(v4, v6), Arbitraries.of(true, false), Arbitraries.of(EncapMode.values()),
                Arbitraries.of("all()", "rack == 'a'", "has(x) && y in {'1','2'}"), Arbitraries.of(true, false))
                .as((c, dis, mode, sel, nat) -> {
                    int bs = Pool.defaultBlockSize(c);
                    List<IpPrefix> reserved = c.length() < c.maxLength() ? List.of(c.withLength(c.maxLength())) : List.of();
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
                            IpPrefix c = IpPrefix.v4(0x0a000000 + (base << 6), 26);
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
        assertThatThrownBy(() -> WireFormat.decodePool(kv("/p", "{\"cidr\":\"10.0.0.5/8\"}".getBytes())))
                .hasMessage("key /p: '10.0.0.5/8': host bits are set (did you mean 10.0.0.0/8?)");
        assertThatThrownBy(() -> WireFormat.decodeBlock(kv("/b", "{\"cidr\":\"fd00::1/122\"}".getBytes())))
                .hasMessage("key /b: 'fd00::1/122': host bits are set (did you mean fd00::/122?)");
    }

    /** The stored JSON is what etcdctl shows and what older agents read: its text must not drift. */
    @Test
    void storedTextIsStable() {
        Pool p = Pool.of("FD00:0:0:0:0:0:0:0/120").withReserved(List.of(IpPrefix.parseNetwork("fd00::10/124")));
        assertThat(new String(WireFormat.encode(p))).isEqualTo("{\"cidr\":\"fd00::/120\",\"blockSize\":122,"
                + "\"disabled\":false,\"nodeSelector\":\"all()\",\"vxlanMode\":\"Never\",\"ipipMode\":\"Never\","
                + "\"natOutgoing\":false,\"reserved\":[\"fd00::10/124\"]}");
        IpPrefix c = IpPrefix.parseNetwork("10.244.1.64/26");
        Block b = Block.empty(c, "n1").with(new Block.Allocation(c.addressAt(5), "net.a.eth0", "n1"));
        assertThat(new String(WireFormat.encode(b))).isEqualTo("{\"cidr\":\"10.244.1.64/26\",\"affinity\":\"n1\","
                + "\"next\":6,\"allocations\":[{\"address\":\"10.244.1.69\",\"handle\":\"net.a.eth0\",\"node\":\"n1\"}]}");
    }

    @Test
    void networksOnly() {
        assertThatThrownBy(() -> Pool.of("10.0.0.5/24")).hasMessage("'10.0.0.5/24': host bits are set (did you mean 10.0.0.0/24?)");
        assertThatThrownBy(() -> new Pool(IpPrefix.parse("10.0.0.5/24"), 26, false, null, null, null, false, List.of()))
                .hasMessage("pool 10.0.0.5/24: host bits are set (did you mean 10.0.0.0/24?)");
        assertThatThrownBy(() -> Pool.of("10.0.0.0/24").withReserved(List.of(IpPrefix.parse("10.0.0.5/30"))))
                .hasMessage("pool 10.0.0.0/24: reserved[0] 10.0.0.5/30: host bits are set (did you mean 10.0.0.4/30?)");
        assertThatThrownBy(() -> Block.empty(IpPrefix.parse("10.0.0.5/26"), "n"))
                .hasMessage("block 10.0.0.5/26: host bits are set (did you mean 10.0.0.0/26?)");
    }
}
