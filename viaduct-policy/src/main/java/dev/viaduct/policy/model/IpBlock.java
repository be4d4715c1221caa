package dev.viaduct.policy.model;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/** An IPBlock peer: addresses in {@code cidr} except those in any {@code except} entry (each strictly inside it). */
public record IpBlock(IpPrefix cidr, List<IpPrefix> except) {
    public IpBlock {
        except = List.copyOf(except);
    }

    public boolean contains(InetAddress a) {
        if (!cidr.contains(a)) {
            return false;
        }
        for (IpPrefix e : except) {
            if (e.contains(a)) {
                return false;
            }
        }
        return true;
    }
}
