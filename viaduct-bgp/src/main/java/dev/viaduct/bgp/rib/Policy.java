package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An import or export policy: terms tried in order, the first whose match holds decides (accept, possibly
 * with changes, or reject); if none matches, {@code acceptByDefault} decides. Matches: prefix lists with
 * ge/le ranges, communities (any of), AS path length bounds. Changes: LOCAL_PREF, MED, added communities.
 */
public record Policy(List<Term> terms, boolean acceptByDefault) {
    public static final Policy ACCEPT_ALL = new Policy(List.of(), true);
    public static final Policy REJECT_ALL = new Policy(List.of(), false);

    public Policy {
        terms = List.copyOf(terms);
    }

    /**
     * One rule. A null or empty list in the match means "any"; {@code maxAsPathLength} -1 means no bound.
     */
    public record Term(List<PrefixRange> prefixes, List<Integer> anyCommunity, int minAsPathLength, int maxAsPathLength,
            boolean accept, Long setLocalPref, Long setMed, List<Integer> addCommunities) {
        public Term {
            prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
            anyCommunity = anyCommunity == null ? List.of() : List.copyOf(anyCommunity);
            addCommunities = addCommunities == null ? List.of() : List.copyOf(addCommunities);
        }

        public static Term reject(List<PrefixRange> prefixes) {
            return new Term(prefixes, null, 0, -1, false, null, null, null);
        }

        public static Term accept(List<PrefixRange> prefixes) {
            return new Term(prefixes, null, 0, -1, true, null, null, null);
        }

        boolean modifies() {
            return setLocalPref != null || setMed != null || !addCommunities.isEmpty();
        }

        boolean matches(Family f, long a, long b, int len, RouteAttrs attrs) {
            if (!prefixes.isEmpty()) {
                boolean any = false;
                for (PrefixRange r : prefixes) {
                    if (r.matches(f, a, b, len)) {
                        any = true;
                        break;
                    }
                }
                if (!any) {
                    return false;
                }
            }
            if (!anyCommunity.isEmpty()) {
                boolean any = false;
                for (int c : anyCommunity) {
                    if (attrs.hasCommunity(c)) {
                        any = true;
                        break;
                    }
                }
                if (!any) {
                    return false;
                }
            }
            int pl = attrs.asPathLength();
            return pl >= minAsPathLength && (maxAsPathLength < 0 || pl <= maxAsPathLength);
        }
    }

    /** A prefix-list entry: {@code prefix} and every more specific of length ge..le (like "10.0.0.0/8 le 24"). */
    public record PrefixRange(IpPrefix prefix, int ge, int le) {
        public PrefixRange {
            int max = Family.ofNetwork(prefix).maxLength();
            if (ge < prefix.length() || le > max || ge > le) {
                throw new IllegalArgumentException("prefix range " + prefix + " ge " + ge + " le " + le
                        + ": need " + prefix.length() + " <= ge <= le <= " + max);
            }
        }

        /** Exactly this prefix. */
        public static PrefixRange exact(IpPrefix p) {
            return new PrefixRange(p, p.length(), p.length());
        }

        /** This prefix and everything inside it. */
        public static PrefixRange orLonger(IpPrefix p) {
            return new PrefixRange(p, p.length(), p.maxLength());
        }

        boolean matches(Family f, long a, long b, int len) {
            if (f != Family.of(prefix) || len < ge || len > le) {
                return false;
            }
            int pl = prefix.length();
            if (f == Family.IPV4_UNICAST) {
                long addr = a >>> 8;
                long mask = pl == 0 ? 0 : (0xffffffffL << (32 - pl)) & 0xffffffffL;
                return (addr & mask) == prefix.lo();
            }
            long mhi = pl >= 64 ? -1L : pl == 0 ? 0 : -1L << (64 - pl);
            long mlo = pl <= 64 ? 0 : pl == 128 ? -1L : -1L << (128 - pl);
            return (a & mhi) == prefix.hi() && (b & mlo) == prefix.lo();
        }
    }

    /** A policy that rejects everything (e.g. "export none"): nothing to compute. */
    public boolean rejectsAll() {
        return terms.isEmpty() && !acceptByDefault;
    }

    /** Fast path: a policy that accepts everything unchanged. */
    public boolean acceptsAllUnchanged() {
        return terms.isEmpty() && acceptByDefault;
    }

    /**
     * Evaluates the policy for one route; returns the (possibly changed) attributes or null to reject.
     * {@code memo} caches changed attributes per input and term so one UPDATE yields one changed instance.
     */
    RouteAttrs apply(Family f, long a, long b, int len, RouteAttrs attrs, Map<Term, Map<RouteAttrs, RouteAttrs>> memo) {
        for (Term t : terms) {
            if (t.matches(f, a, b, len, attrs)) {
                if (!t.accept()) {
                    return null;
                }
                if (!t.modifies()) {
                    return attrs;
                }
                Map<RouteAttrs, RouteAttrs> m = memo.computeIfAbsent(t, k -> new IdentityHashMap<>());
                return m.computeIfAbsent(attrs, x -> {
                    RouteAttrs.Builder bld = x.toBuilder();
                    if (t.setLocalPref() != null) {
                        bld.localPref(t.setLocalPref());
                    }
                    if (t.setMed() != null) {
                        bld.med(t.setMed());
                    }
                    if (!t.addCommunities().isEmpty()) {
                        bld.addCommunities(t.addCommunities().stream().mapToInt(Integer::intValue).toArray());
                    }
                    return bld.build();
                });
            }
        }
        return acceptByDefault ? attrs : null;
    }
}
