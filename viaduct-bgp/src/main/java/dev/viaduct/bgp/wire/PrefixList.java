package dev.viaduct.bgp.wire;

import dev.viaduct.sys.net.IpPrefix;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collection;

/**
 * An immutable list of prefixes of one family, stored packed so that an UPDATE carrying a thousand prefixes
 * is one array, not a thousand objects. IPv4: one word per prefix, {@code address << 8 | length}. IPv6: three
 * words per prefix, {@code hi, lo, length}. The packed form is also the RIB's key, so the hot path never
 * builds an {@link IpPrefix}.
 */
public final class PrefixList extends AbstractList<IpPrefix> {
    private final Family family;
    private final long[] words;
    private final int size;

    PrefixList(Family family, long[] words, int size) {
        this.family = family;
        this.words = words;
        this.size = size;
    }

    public static PrefixList empty(Family family) {
        return new PrefixList(family, new long[0], 0);
    }

    public static PrefixList of(Family family, Collection<IpPrefix> prefixes) {
        Builder b = builder(family, prefixes.size());
        for (IpPrefix p : prefixes) {
            b.add(p);
        }
        return b.build();
    }

    public static PrefixList of(IpPrefix... prefixes) {
        if (prefixes.length == 0) {
            throw new IllegalArgumentException("of(): needs at least one prefix to know the family");
        }
        return of(Family.of(prefixes[0]), Arrays.asList(prefixes));
    }

    public static Builder builder(Family family, int expected) {
        return new Builder(family, expected);
    }

    public Family family() {
        return family;
    }

    @Override
    public int size() {
        return size;
    }

    /** Words per prefix in the packed form (1 for IPv4, 3 for IPv6). */
    public static int stride(Family family) {
        return family == Family.IPV4_UNICAST ? 1 : 3;
    }

    /** The packed IPv4 key of entry {@code i} ({@code address << 8 | length}). */
    public long v4Key(int i) {
        return words[i];
    }

    /** For IPv6 entries: the high half, low half and length of entry {@code i}. */
    public long v6Hi(int i) {
        return words[3 * i];
    }

    public long v6Lo(int i) {
        return words[3 * i + 1];
    }

    public int v6Length(int i) {
        return (int) words[3 * i + 2];
    }

    @Override
    public IpPrefix get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        if (family == Family.IPV4_UNICAST) {
            long w = words[i];
            return family.prefix(0, w >>> 8, (int) (w & 0xff));
        }
        return family.prefix(words[3 * i], words[3 * i + 1], (int) words[3 * i + 2]);
    }

    /** Bytes this list takes in an NLRI field (RFC 4271 §4.3: length octet + ceil(length / 8) octets each). */
    public int encodedLength() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += 1 + (lengthAt(i) + 7) / 8;
        }
        return n;
    }

    int lengthAt(int i) {
        return family == Family.IPV4_UNICAST ? (int) (words[i] & 0xff) : (int) words[3 * i + 2];
    }

    /** A sub-list [from, to) sharing nothing mutable (the backing array is copied). */
    public PrefixList slice(int from, int to) {
        int st = stride(family);
        return new PrefixList(family, Arrays.copyOfRange(words, from * st, to * st), to - from);
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof PrefixList p) {
            if (p.family != family || p.size != size) {
                return false;
            }
            int n = size * stride(family);
            return Arrays.equals(words, 0, n, p.words, 0, n);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        int h = family.hashCode();
        int n = size * stride(family);
        for (int i = 0; i < n; i++) {
            h = 31 * h + Long.hashCode(words[i]);
        }
        return h;
    }

    /** Accumulates prefixes in packed form. */
    public static final class Builder {
        private final Family family;
        private long[] words;
        private int size;

        Builder(Family family, int expected) {
            this.family = family;
            this.words = new long[Math.max(1, expected) * stride(family)];
        }

        public Builder add(IpPrefix p) {
            if (Family.ofNetwork(p) != family) {
                throw new IllegalArgumentException(p + " is not " + family.label());
            }
            if (family == Family.IPV4_UNICAST) {
                addV4((p.lo() << 8) | p.length());
            } else {
                addV6(p.hi(), p.lo(), p.length());
            }
            return this;
        }

        public Builder addV4(long key) {
            if (size == words.length) {
                words = Arrays.copyOf(words, words.length * 2);
            }
            words[size++] = key;
            return this;
        }

        public Builder addV6(long hi, long lo, int length) {
            if (size * 3 + 3 > words.length) {
                words = Arrays.copyOf(words, words.length * 2 + 3);
            }
            words[size * 3] = hi;
            words[size * 3 + 1] = lo;
            words[size * 3 + 2] = length;
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        /** The list so far; the builder starts over empty (the list never shares its array with it). */
        public PrefixList build() {
            PrefixList l = new PrefixList(family, words, size);
            words = new long[stride(family)];
            size = 0;
            return l;
        }
    }
}
