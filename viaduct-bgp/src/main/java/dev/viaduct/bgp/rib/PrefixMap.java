package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.util.Arrays;

/**
 * An open-addressing hash map from prefix to value, with the prefix held in primitive arrays: no object per
 * key, no boxing, linear probing with backward-shift deletion (no tombstones). IPv4 keys are the packed
 * {@code address << 8 | length} word; IPv6 keys are {@code hi, lo, length}. This is what keeps a million
 * routes at a few tens of bytes each.
 *
 * <p>The capacity need not be a power of two (a hash is mapped onto it by multiplication, Lemire's "fast
 * range"), so a map sized for an expected count gets just the slots that count needs at the load factor: a
 * Loc-RIB sized for 1M IPv4 prefixes is 1.43M slots (17 MiB), where the next power of two would be 2M (24 MiB).
 *
 * <p>Not thread-safe: owned by the RIB thread.
 */
final class PrefixMap<V> {
    private static final float LOAD = 0.7f;
    /** IPv4 slots hold {@code key | OCCUPIED}: no separate tag array, one cache line fewer per probe. */
    private static final long OCCUPIED = 1L << 63;
    /** The first table of a map made empty: two entries before it grows (at the load factor). */
    private static final int MIN_CAPACITY = 4;
    private static final long[] NO_KEYS = new long[0];
    private static final byte[] NO_TAGS = new byte[0];
    private static final Object[] NO_VALUES = new Object[0];

    final Family family;
    private final boolean wide;
    private long[] k1;
    private long[] k2;
    /** IPv6 only: 0 = empty slot; otherwise prefix length + 1. */
    private byte[] tag;
    private Object[] vals;
    private int size;
    /** Slots in the table (0 before the first insert of a map made empty). */
    private int cap;
    private int resizeAt;

    /**
     * An empty map that allocates its table on the first insert and grows from {@link #MIN_CAPACITY}: every peer
     * has an Adj-RIB-In and -Out per family, most of them hold a handful of prefixes or none (a family the session
     * did not negotiate), and a full mesh has N(N-1) peers (bench/bgp-scale).
     */
    PrefixMap(Family family) {
        this.family = family;
        this.wide = family == Family.IPV6_UNICAST;
        k1 = NO_KEYS;
        k2 = wide ? NO_KEYS : null;
        tag = wide ? NO_TAGS : null;
        vals = NO_VALUES;
        cap = 0; // find() answers before indexing while the table is empty
        resizeAt = 0;
    }

    /** A map with room for {@code expected} entries before it grows. */
    PrefixMap(Family family, int expected) {
        this.family = family;
        this.wide = family == Family.IPV6_UNICAST;
        alloc(Math.max(16, (int) Math.min(Integer.MAX_VALUE - 8, (long) Math.ceil(expected / (double) LOAD) + 1)));
    }

    private void alloc(int slots) {
        k1 = new long[slots];
        k2 = wide ? new long[slots] : null;
        tag = wide ? new byte[slots] : null;
        vals = new Object[slots];
        cap = slots;
        resizeAt = (int) (slots * LOAD);
    }

    /** The home slot of a hash: its 32 bits scaled onto [0, cap) (multiply-shift; cap need not be a power of two). */
    private int home(int hash) {
        return (int) (((hash & 0xffffffffL) * cap) >>> 32);
    }

    private int next(int i) {
        return i + 1 == cap ? 0 : i + 1;
    }

    /** Slots in the table (tests: the capacity a size hint gives). */
    int capacity() {
        return cap;
    }

    int size() {
        return size;
    }

    private static int hash(long a, long b, int len) {
        long h = a * 0x9E3779B97F4A7C15L ^ b * 0xC2B2AE3D27D4EB4FL ^ len;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    private boolean occupied(int i) {
        return wide ? tag[i] != 0 : k1[i] != 0;
    }

    private long keyA(int i) {
        return wide ? k1[i] : k1[i] & ~OCCUPIED;
    }

    private int keyLen(int i) {
        return wide ? tag[i] - 1 : (int) (k1[i] & 0xff);
    }

    /**
     * The slot holding the key (>= 0), or {@code -1 - slot} of the empty slot where it would go. IPv4: a =
     * packed key, b = 0, len = key & 0xff. IPv6: hi, lo, length.
     */
    int find(long a, long b, int len) {
        if (vals.length == 0) {
            return -1; // no table yet: insertAbsent grows one first
        }
        int i = home(hash(a, b, len));
        if (!wide) {
            long want = a | OCCUPIED;
            while (true) {
                long k = k1[i];
                if (k == want) {
                    return i;
                }
                if (k == 0) {
                    return -1 - i;
                }
                i = next(i);
            }
        }
        byte t = (byte) (len + 1);
        while (true) {
            byte s = tag[i];
            if (s == 0) {
                return -1 - i;
            }
            if (s == t && k1[i] == a && k2[i] == b) {
                return i;
            }
            i = next(i);
        }
    }

    @SuppressWarnings("unchecked")
    V valueAt(int slot) {
        return (V) vals[slot];
    }

    void setValueAt(int slot, V v) {
        vals[slot] = v;
    }

    /** Inserts a key known to be absent; {@code miss} is what {@link #find} returned for it. */
    void insertAbsent(int miss, long a, long b, int len, V v) {
        int i;
        if (size >= resizeAt) {
            grow();
            i = -1 - find(a, b, len);
        } else {
            i = -1 - miss;
        }
        if (wide) {
            k1[i] = a;
            k2[i] = b;
            tag[i] = (byte) (len + 1);
        } else {
            k1[i] = a | OCCUPIED;
        }
        vals[i] = v;
        size++;
    }

    @SuppressWarnings("unchecked")
    V get(long a, long b, int len) {
        int i = find(a, b, len);
        return i >= 0 ? (V) vals[i] : null;
    }

    V getV4(long key) {
        return get(key, 0, (int) (key & 0xff));
    }

    /** Stores {@code v} (non-null); returns the previous value or null. */
    @SuppressWarnings("unchecked")
    V put(long a, long b, int len, V v) {
        int i = find(a, b, len);
        if (i >= 0) {
            V old = (V) vals[i];
            vals[i] = v;
            return old;
        }
        insertAbsent(i, a, b, len, v);
        return null;
    }

    V putV4(long key, V v) {
        return put(key, 0, (int) (key & 0xff), v);
    }

    @SuppressWarnings("unchecked")
    V remove(long a, long b, int len) {
        int i = find(a, b, len);
        if (i < 0) {
            return null;
        }
        V old = (V) vals[i];
        deleteSlot(i);
        return old;
    }

    V removeV4(long key) {
        return remove(key, 0, (int) (key & 0xff));
    }

    /** Removes the entry in {@code slot} (from {@link #find}). */
    void removeAt(int slot) {
        deleteSlot(slot);
    }

    private void deleteSlot(int i) {
        // backward-shift deletion keeps probe sequences intact without tombstones
        int hole = i;
        int j = i;
        while (true) {
            j = next(j);
            if (!occupied(j)) {
                break;
            }
            int home = home(hash(keyA(j), wide ? k2[j] : 0, keyLen(j)));
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                k1[hole] = k1[j];
                if (wide) {
                    k2[hole] = k2[j];
                    tag[hole] = tag[j];
                }
                vals[hole] = vals[j];
                hole = j;
            }
        }
        k1[hole] = 0;
        if (wide) {
            tag[hole] = 0;
        }
        vals[hole] = null;
        size--;
    }

    private void grow() {
        long[] ok1 = k1;
        long[] ok2 = k2;
        byte[] otag = tag;
        Object[] ovals = vals;
        alloc(Math.max(MIN_CAPACITY, ok1.length * 2));
        for (int i = 0; i < ok1.length; i++) {
            if (wide ? otag[i] != 0 : ok1[i] != 0) {
                long a = wide ? ok1[i] : ok1[i] & ~OCCUPIED;
                long b = wide ? ok2[i] : 0;
                int len = wide ? otag[i] - 1 : (int) (a & 0xff);
                int j = -1 - find(a, b, len);
                k1[j] = ok1[i];
                if (wide) {
                    k2[j] = b;
                    tag[j] = otag[i];
                }
                vals[j] = ovals[i];
            }
        }
    }

    void clear() {
        Arrays.fill(k1, 0);
        if (wide) {
            Arrays.fill(tag, (byte) 0);
        }
        Arrays.fill(vals, null);
        size = 0;
    }

    /** Visits every entry; the visitor must not modify the map. */
    void forEach(Visitor<? super V> v) {
        for (int i = 0; i < k1.length; i++) {
            if (occupied(i)) {
                @SuppressWarnings("unchecked")
                V val = (V) vals[i];
                v.visit(keyA(i), wide ? k2[i] : 0, keyLen(i), val);
            }
        }
    }

    /** The keys, packed as in {@link dev.viaduct.bgp.wire.PrefixList} (a stable copy, safe to modify the map while walking it). */
    Keys keys() {
        Keys keys = new Keys(family, size);
        forEach((a, b, len, val) -> keys.add(a, b, len));
        return keys;
    }

    interface Visitor<V> {
        void visit(long a, long b, int len, V value);
    }

    static IpPrefix toPrefix(Family f, long a, long b, int len) {
        return f == Family.IPV4_UNICAST ? f.prefix(0, a >>> 8, len) : f.prefix(a, b, len);
    }

    /** A growable packed list of keys (a, b, len). */
    static final class Keys {
        final Family family;
        long[] a;
        long[] b;
        int[] len;
        int size;

        Keys(Family family, int expected) {
            this.family = family;
            int n = Math.max(4, expected);
            a = new long[n];
            b = family == Family.IPV6_UNICAST ? new long[n] : null;
            len = new int[n];
        }

        void add(long ka, long kb, int kl) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
                if (b != null) {
                    b = Arrays.copyOf(b, size * 2);
                }
                len = Arrays.copyOf(len, size * 2);
            }
            a[size] = ka;
            if (b != null) {
                b[size] = kb;
            }
            len[size] = kl;
            size++;
        }

        long b(int i) {
            return b == null ? 0 : b[i];
        }

        void clear() {
            size = 0;
        }
    }

    /** The first key word of {@code p}: an IPv6 address's upper half, or an IPv4 address with its length. */
    static long keyA(IpPrefix p) {
        return p.ipv6() ? p.hi() : (p.lo() << 8) | p.length();
    }

    /** The second key word of {@code p}: an IPv6 address's lower half, 0 for IPv4. */
    static long keyB(IpPrefix p) {
        return p.ipv6() ? p.lo() : 0;
    }
}
