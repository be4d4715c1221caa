package dev.viaduct.ipam;

import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON stored for pools, blocks, handles and GC sightings. Plain records of strings and numbers (what
 * {@code etcdctl get} shows a person), converted to and from the typed values here, so the public types
 * carry no Jackson annotations and every decoding error names the key and the field.
 */
final class WireFormat {
    private WireFormat() {
    }

    record PoolJson(String cidr, Integer blockSize, Boolean disabled, String nodeSelector, String vxlanMode,
            String ipipMode, Boolean natOutgoing, List<String> reserved) {
    }

    record AllocationJson(String address, String handle, String node) {
    }

    record BlockJson(String cidr, String affinity, Integer next, List<AllocationJson> allocations) {
    }

    record HandleJson(String handle, String node, List<String> addresses, Map<String, String> attributes, String assigned) {
    }

    record SightingJson(String handle, String node, String deadSince, long handleRevision) {
    }

    /** A garbage collector's stored observation that {@code handle} (at {@code handleRevision}) was dead. */
    record Sighting(String handle, String node, Instant deadSince, long handleRevision) {
    }

    private static final JsonCodec<PoolJson> POOL = JsonCodec.of(PoolJson.class);
    private static final JsonCodec<BlockJson> BLOCK = JsonCodec.of(BlockJson.class);
    private static final JsonCodec<HandleJson> HANDLE = JsonCodec.of(HandleJson.class);
    private static final JsonCodec<SightingJson> SIGHTING = JsonCodec.of(SightingJson.class);

    static byte[] encode(Pool p) {
        return POOL.encode(new PoolJson(p.cidr().toString(), p.blockSize(), p.disabled(), p.nodeSelector(),
                p.vxlanMode().text(), p.ipipMode().text(), p.natOutgoing(),
                p.reserved().stream().map(IpPrefix::toString).toList()));
    }

    static Pool decodePool(KeyValue kv) {
        PoolJson j = POOL.decode(kv);
        return field(kv, () -> {
            IpPrefix cidr = IpPrefix.parseNetwork(required("cidr", j.cidr()));
            List<IpPrefix> reserved = new ArrayList<>();
            if (j.reserved() != null) {
                for (String r : j.reserved()) {
                    reserved.add(IpPrefix.parseNetwork(r));
                }
            }
            return new Pool(cidr, j.blockSize() == null ? Pool.defaultBlockSize(cidr) : j.blockSize(),
                    Boolean.TRUE.equals(j.disabled()), j.nodeSelector(), EncapMode.parse("vxlanMode", j.vxlanMode()),
                    EncapMode.parse("ipipMode", j.ipipMode()), Boolean.TRUE.equals(j.natOutgoing()), reserved);
        });
    }

    static byte[] encode(Block b) {
        return BLOCK.encode(new BlockJson(b.cidr().toString(), b.affinity(), b.next(), b.allocations().stream()
                .map(a -> new AllocationJson(IpAddresses.format(a.address()), a.handle(), a.node())).toList()));
    }

    static Block decodeBlock(KeyValue kv) {
        BlockJson j = BLOCK.decode(kv);
        return field(kv, () -> {
            IpPrefix cidr = IpPrefix.parseNetwork(required("cidr", j.cidr()));
            List<Block.Allocation> allocs = new ArrayList<>();
            if (j.allocations() != null) {
                for (int i = 0; i < j.allocations().size(); i++) {
                    AllocationJson a = j.allocations().get(i);
                    String f = "allocations[" + i + "].";
                    allocs.add(new Block.Allocation(IpAddresses.parse(required(f + "address", a.address())),
                            required(f + "handle", a.handle()), required(f + "node", a.node())));
                }
            }
            int next = j.next() == null ? 0 : j.next();
            if (next < 0 || next >= cidr.size().min(java.math.BigInteger.valueOf(Integer.MAX_VALUE)).intValue()) {
                throw new IllegalArgumentException("next: " + next + " outside the block");
            }
            return new Block(cidr, j.affinity(), allocs, next);
        });
    }

    static byte[] encode(Handle h) {
        return HANDLE.encode(new HandleJson(h.id(), h.node(), h.addresses().stream().map(IpAddresses::format).toList(),
                h.attributes(), h.assigned().toString()));
    }

    static Handle decodeHandle(KeyValue kv) {
        HandleJson j = HANDLE.decode(kv);
        return field(kv, () -> {
            List<InetAddress> addrs = new ArrayList<>();
            if (j.addresses() != null) {
                for (String a : j.addresses()) {
                    addrs.add(IpAddresses.parse(a));
                }
            }
            return new Handle(required("handle", j.handle()), required("node", j.node()), addrs, j.attributes(),
                    j.assigned() == null ? Instant.EPOCH : Instant.parse(j.assigned()));
        });
    }

    static byte[] encode(Sighting s) {
        return SIGHTING.encode(new SightingJson(s.handle(), s.node(), s.deadSince().toString(), s.handleRevision()));
    }

    static Sighting decodeSighting(KeyValue kv) {
        SightingJson j = SIGHTING.decode(kv);
        return field(kv, () -> new Sighting(required("handle", j.handle()), j.node(),
                Instant.parse(required("deadSince", j.deadSince())), j.handleRevision()));
    }

    private static String required(String field, String v) {
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(field + ": missing");
        }
        return v;
    }

    private static <T> T field(KeyValue kv, java.util.function.Supplier<T> decode) {
        try {
            return decode.get();
        } catch (IllegalArgumentException | NullPointerException | java.time.format.DateTimeParseException e) {
            throw new StoreException(StoreException.Reason.CORRUPT, "key " + kv.key() + ": " + e.getMessage(), e);
        }
    }
}
