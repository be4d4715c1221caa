package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;

/**
 * One peer's Adj-RIB-Out of one family (RFC 4271 §9.2: what it has been sent): a table of its own while it is
 * brought up to date alone (session start, route refresh, a policy change), or, once it is, its
 * {@link UpdateGroup}'s shared table plus the prefixes where this peer's differs from it (the routes it sent
 * itself, which split horizon keeps from it; RFC 4456 §6 for a reflector's clients).
 *
 * <p>Owned by the RIB thread, like every table of the RIB.
 */
final class PeerAdjOut {
    /** An exception's value for "not sent to this peer" (the group's table has the prefix). */
    private static final Object NOT_SENT = new Object();

    private final RibPeer peer;
    private final Family family;
    /** The peer's own table; null while it is in a group. */
    private PrefixMap<RouteAttrs> own;
    /** The group whose table this is read through, or null. */
    private UpdateGroup group;
    /** With a group: where this peer's table differs from the group's ({@link #NOT_SENT}: the peer has nothing). */
    private PrefixMap<Object> exceptions;

    PeerAdjOut(RibPeer peer, Family family) {
        this.peer = peer;
        this.family = family;
        this.own = new PrefixMap<>(family);
    }

    UpdateGroup group() {
        return group;
    }

    RouteAttrs get(long a, long b, int len) {
        if (group == null) {
            return own.get(a, b, len);
        }
        return viaGroup(a, b, len, group.table.get(a, b, len));
    }

    /** What this member was sent for a prefix whose entry in the group's table is {@code inGroup}. */
    RouteAttrs viaGroup(long a, long b, int len, RouteAttrs inGroup) {
        if (exceptions.size() == 0) {
            return inGroup;
        }
        Object x = exceptions.get(a, b, len);
        return x == null ? inGroup : x == NOT_SENT ? null : (RouteAttrs) x;
    }

    /**
     * Records what this member now has for a prefix whose group entry becomes {@code inGroup}: an exception when
     * they differ. The group's table itself is the caller's to update, once for all members.
     */
    void record(long a, long b, int len, RouteAttrs mine, RouteAttrs inGroup) {
        if (mine == null ? inGroup == null : mine.equals(inGroup)) {
            if (exceptions.size() > 0) {
                exceptions.remove(a, b, len);
            }
        } else {
            exceptions.put(a, b, len, mine == null ? NOT_SENT : mine);
        }
    }

    /** In a peer's own table only (not in a group). */
    void put(long a, long b, int len, RouteAttrs attrs) {
        own.put(a, b, len, attrs);
    }

    /** In a peer's own table only (not in a group). */
    void remove(long a, long b, int len) {
        own.remove(a, b, len);
    }

    int size() {
        if (group == null) {
            return own.size();
        }
        int[] n = {group.table.size()};
        PrefixMap<RouteAttrs> shared = group.table;
        exceptions.forEach((a, b, len, x) -> {
            boolean inGroup = shared.get(a, b, len) != null;
            if (x == NOT_SENT && inGroup) {
                n[0]--;
            } else if (x != NOT_SENT && !inGroup) {
                n[0]++;
            }
        });
        return n[0];
    }

    void forEach(PrefixMap.Visitor<? super RouteAttrs> v) {
        if (group == null) {
            own.forEach(v);
            return;
        }
        group.table.forEach((a, b, len, attrs) -> {
            if (exceptions.size() == 0 || exceptions.get(a, b, len) == null) {
                v.visit(a, b, len, attrs);
            }
        });
        exceptions.forEach((a, b, len, x) -> {
            if (x != NOT_SENT) {
                v.visit(a, b, len, (RouteAttrs) x);
            }
        });
    }

    /** Empty, and out of its group: nothing sent (a session went down, or the whole table is to be sent again). */
    void clear() {
        if (group != null) {
            group.members.remove(peer);
            group = null;
            exceptions = null;
        }
        own = new PrefixMap<>(family);
    }

    /**
     * Joins {@code g}, whose table is as of the last flush, from this peer's own table (which may be newer: the
     * next flush's diff reads the exceptions, so it sends nothing twice). The first member's table becomes the
     * group's.
     */
    void join(UpdateGroup g) {
        if (g.members.isEmpty()) {
            g.table = own;
            exceptions = new PrefixMap<>(family);
        } else {
            PrefixMap<Object> x = new PrefixMap<>(family);
            PrefixMap<RouteAttrs> mine = own;
            own.forEach((a, b, len, attrs) -> {
                if (!attrs.equals(g.table.get(a, b, len))) {
                    x.put(a, b, len, attrs);
                }
            });
            g.table.forEach((a, b, len, attrs) -> {
                if (mine.get(a, b, len) == null) {
                    x.put(a, b, len, NOT_SENT);
                }
            });
            exceptions = x;
        }
        own = null;
        group = g;
        g.members.add(peer);
    }

    /** Leaves the group with a table of its own holding what it was sent. */
    void leave() {
        PrefixMap<RouteAttrs> mine = new PrefixMap<>(family, size());
        forEach(mine::put);
        group.members.remove(peer);
        group = null;
        exceptions = null;
        own = mine;
    }
}
