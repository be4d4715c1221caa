package dev.viaduct.netlink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A namespace's links as a stream of link events describes them (started from a dump): their names by ifindex,
 * for naming the devices of route events without a dump each, and whether a link event can have cost routes.
 * The kernel drops the routes over a device that goes down or away without a route event
 * (fib_sync_down_dev, net/ipv4/fib_semantics.c); a rename leaves routes keyed by the old name stale. A new
 * device, or one changing while it stays up, costs none.
 *
 * <p>Concurrency: not thread-safe; one thread (the events thread) uses it, after the dump it starts from.
 */
public final class KnownLinks {
    private final Map<Integer, String> names = new HashMap<>();
    private final Map<Integer, Boolean> up = new HashMap<>();

    /** Starts again from {@code links} (a dump). */
    public void reset(List<Link> links) {
        names.clear();
        up.clear();
        links.forEach(this::remember);
    }

    /**
     * Takes in a link event; true when routes over the link may have gone silently (a known link went down,
     * was renamed or went away). Other events change nothing and answer false.
     */
    public boolean apply(NetlinkEvent e) {
        return switch (e) {
            case NetlinkEvent.LinkRemoved r -> {
                names.remove(r.link().index());
                up.remove(r.link().index());
                yield true;
            }
            case NetlinkEvent.LinkChanged c -> {
                Link l = c.link();
                String nameBefore = names.get(l.index());
                boolean wasUp = up.getOrDefault(l.index(), false);
                remember(l);
                yield nameBefore != null && (!nameBefore.equals(l.name()) || wasUp && !l.isUp());
            }
            default -> false;
        };
    }

    /** Whether a link with this ifindex is known. */
    public boolean knows(int index) {
        return names.containsKey(index);
    }

    /** ifindex → name of every known link (a live view). */
    public Map<Integer, String> names() {
        return java.util.Collections.unmodifiableMap(names);
    }

    private void remember(Link l) {
        names.put(l.index(), l.name());
        up.put(l.index(), l.isUp());
    }
}
