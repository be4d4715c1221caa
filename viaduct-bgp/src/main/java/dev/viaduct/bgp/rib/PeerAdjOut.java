package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;

/**
 * One peer's Adj-RIB-Out of one family (RFC 4271 §9.2: what it has been sent): a table of its own while it is
 * brought up to date alone (session start, route refresh, a policy change), or, once it is, its
 * {@link UpdateGroup}'s shared table plus the prefixes where this peer's differs from it (the routes it sent
 * itself, which split horizon keeps from it; RFC 4456 §6 for a reflector's clients).
 *
 * <p>While the peer's socket takes no more, what it is owed waits here as prefixes ({@link #owe}), not as
 * encoded UPDATEs: the table keeps what it was actually sent, and the owed prefixes are diffed against it when
 * the socket is writable again, so a prefix that changed several times meanwhile goes out once, in its latest
 * state (RFC 4271 §9.2.1.1: only the last route selected need be advertised), and never overtakes an UPDATE
 * for it that is already queued. A whole-table export still owing prefixes holds its closing message (the
 * End-of-RIB, RFC 4724 §2) until they are sent ({@link #trailer}).
 *
 * <p>Owned by the RIB thread, like every table of the RIB.
 */
final class PeerAdjOut {
    /** An exception's value for "not sent to this peer" (the group's table has the prefix). */
    private static final Object NOT_SENT = new Object();
    /** The value of an owed prefix. */
    private static final Object OWED = new Object();

    private final RibPeer peer;
    private final Family family;
    /** The peer's own table; null while it is in a group. */
    private PrefixMap<RouteAttrs> own;
    /** The group whose table this is read through, or null. */
    private UpdateGroup group;
    /** With a group: where this peer's table differs from the group's ({@link #NOT_SENT}: the peer has nothing). */
    private PrefixMap<Object> exceptions;
    /** With a group: this peer's size minus the group table's (what its exceptions add and take away). */
    private int sizeDelta;
    /** Prefixes whose current state this peer has not been sent yet: its socket took no more; null when none. */
    private PrefixMap<Object> owed;
    /** What to send once nothing is owed any more (an End-of-RIB after the whole table), or null. */
    private byte[] trailer;

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

    /** Whether this member's table differs from its group's at a prefix (in a group only). */
    boolean hasException(long a, long b, int len) {
        return exceptions.size() > 0 && exceptions.get(a, b, len) != null;
    }

    /**
     * Records what this member now has for a prefix whose group entry goes from {@code inGroupBefore} to
     * {@code inGroup}: an exception when they differ. The group's table itself is the caller's to update, once for
     * all members.
     */
    void record(long a, long b, int len, RouteAttrs mine, RouteAttrs inGroupBefore, RouteAttrs inGroup) {
        Object old = exceptions.size() == 0 ? null : exceptions.get(a, b, len);
        if (mine == null ? inGroup == null : mine.equals(inGroup)) {
            if (old != null) {
                exceptions.remove(a, b, len);
            }
            sizeDelta -= weight(old, inGroupBefore);
        } else {
            Object x = mine == null ? NOT_SENT : mine;
            exceptions.put(a, b, len, x);
            sizeDelta += weight(x, inGroup) - weight(old, inGroupBefore);
        }
    }

    /** What an exception adds to the member's size over the group's: -1 not sent where the group has it, +1 the reverse. */
    private static int weight(Object exception, RouteAttrs inGroup) {
        if (exception == null) {
            return 0;
        }
        if (exception == NOT_SENT) {
            return inGroup == null ? 0 : -1;
        }
        return inGroup == null ? 1 : 0;
    }

    /** Records that the peer has been sent {@code attrs} for a prefix (in a group: against the group's entry). */
    void put(long a, long b, int len, RouteAttrs attrs) {
        if (group == null) {
            own.put(a, b, len, attrs);
        } else {
            RouteAttrs inGroup = group.table.get(a, b, len);
            record(a, b, len, attrs, inGroup, inGroup);
        }
    }

    /** Records that the prefix has been withdrawn from the peer (in a group: against the group's entry). */
    void remove(long a, long b, int len) {
        if (group == null) {
            own.remove(a, b, len);
        } else {
            RouteAttrs inGroup = group.table.get(a, b, len);
            record(a, b, len, null, inGroup, inGroup);
        }
    }

    /** Whether some prefix's state is owed to the peer (it waits for its socket). */
    boolean owes() {
        return owed != null;
    }

    /** The prefix's current state is owed to the peer; a later change replaces it (only the latest state goes). */
    void owe(long a, long b, int len) {
        if (owed == null) {
            owed = new PrefixMap<>(family);
        }
        owed.put(a, b, len, OWED);
    }

    /** The owed prefixes, which are then no longer owed (the caller sends them or owes them again). */
    PrefixMap.Keys takeOwed() {
        PrefixMap.Keys keys = owed == null ? new PrefixMap.Keys(family, 0) : owed.keys();
        owed = null;
        return keys;
    }

    /** The message that closes a whole-table export still owing prefixes, or null. */
    byte[] trailer() {
        return trailer;
    }

    void trailer(byte[] message) {
        trailer = message;
    }

    /** Prefixes sent (read at every flush for every peer, so kept as a count rather than walked). */
    int size() {
        return group == null ? own.size() : group.table.size() + sizeDelta;
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

    /**
     * Empty, owing nothing, and out of its group: nothing sent (a session went down, or the whole table is to be
     * sent again).
     */
    void clear() {
        if (group != null) {
            group.members.remove(peer);
            group = null;
            exceptions = null;
        }
        own = new PrefixMap<>(family);
        owed = null;
        trailer = null;
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
        sizeDelta = own.size() - g.table.size();
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
