package dev.viaduct.policy.compile;

import dev.viaduct.sys.net.IpPrefix;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cidr} minus {@code except} prefixes as a sorted list of disjoint prefixes: how an ipBlock with
 * {@code except} becomes one nftables interval set (a set cannot say "but not these").
 */
public final class PrefixDifference {
    private PrefixDifference() {
    }

    public static List<IpPrefix> of(IpPrefix cidr, List<IpPrefix> except) {
        List<IpPrefix> out = new ArrayList<>();
        split(cidr.network(), except, out);
        return out;
    }

    private static void split(IpPrefix p, List<IpPrefix> except, List<IpPrefix> out) {
        boolean touched = false;
        for (IpPrefix e : except) {
            if (e.contains(p)) {
                return;
            }
            touched |= p.contains(e);
        }
        if (!touched) {
            out.add(p);
            return;
        }
        // an except lies strictly inside p: halve p and keep what is outside every except
        int len = p.length() + 1;
        split(p.subnet(len, BigInteger.ZERO), except, out);
        split(p.subnet(len, BigInteger.ONE), except, out);
    }
}
