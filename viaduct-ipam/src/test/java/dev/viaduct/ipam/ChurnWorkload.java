package dev.viaduct.ipam;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Pods coming and going on several nodes at once: each worker assigns addresses to new handles and releases
 * old ones, keeping a fluctuating number alive. Every address handed out is checked against all addresses
 * currently held anywhere ({@link #held}): a second holder is a duplicate. A handle is removed from
 * {@code held} before its release is sent, so the next holder can never be mistaken for a duplicate.
 * Failures that say "try again" are retried with the same handle, as a container runtime retries CNI ADD;
 * a handle that still fails is released (CNI DEL) so nothing leaks.
 */
final class ChurnWorkload {
    final Map<InetAddress, String> held = new ConcurrentHashMap<>();
    final Map<String, List<InetAddress>> handles = new ConcurrentHashMap<>();
    final List<String> duplicates = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger assigned = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();
    final AtomicInteger tryAgain = new AtomicInteger();
    final AtomicInteger exhausted = new AtomicInteger();
    final List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger ids = new AtomicInteger();

    /** One worker on {@code node}: runs until {@code stop} says so, keeping 1..maxLive handles. */
    void run(Ipam ipam, String node, int maxLive, BooleanSupplier stop, boolean dualStack) {
        Deque<String> mine = new ArrayDeque<>();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        try {
            while (!stop.getAsBoolean()) {
                if (mine.size() < 1 || (mine.size() < maxLive && rnd.nextInt(3) != 0)) {
                    String h = "net." + node + "-" + ids.incrementAndGet() + ".eth0";
                    Assignment a = assignWithRetries(ipam, h, node, dualStack);
                    if (a == null) {
                        if (!mine.isEmpty()) {
                            release(ipam, mine.pollFirst());
                        }
                        continue;
                    }
                    for (Assignment.Assigned x : a.addresses()) {
                        String prev = held.putIfAbsent(x.address(), h);
                        if (prev != null) {
                            duplicates.add(x.address() + " given to " + h + " while held by " + prev);
                        }
                    }
                    handles.put(h, a.addresses().stream().map(Assignment.Assigned::address).toList());
                    mine.addLast(h);
                    assigned.incrementAndGet();
                } else {
                    release(ipam, rnd.nextBoolean() ? mine.pollFirst() : mine.pollLast());
                }
            }
        } catch (Throwable t) {
            unexpected.add(t);
        }
    }

    /** Assigns, retrying "try again" failures; on giving up, releases the handle (CNI DEL) and returns null. */
    private Assignment assignWithRetries(Ipam ipam, String h, String node, boolean dualStack) {
        for (int i = 0; i < 50; i++) {
            try {
                return ipam.assign(h, node, true, dualStack, Map.of("k8s.pod", "default/" + h));
            } catch (IpamException e) {
                if (e.reason() == IpamException.Reason.EXHAUSTED) {
                    exhausted.incrementAndGet();
                    release(ipam, h); // nothing to free, but a half-done attempt would be
                    return null;
                }
                if (!e.tryAgain()) {
                    throw e;
                }
                tryAgain.incrementAndGet();
            }
        }
        release(ipam, h);
        return null;
    }

    void release(Ipam ipam, String h) {
        List<InetAddress> addrs = handles.remove(h);
        if (addrs != null) {
            addrs.forEach(a -> held.remove(a, h));
        }
        for (int i = 0; ; i++) {
            try {
                ipam.releaseByHandle(h);
                if (addrs != null) {
                    released.incrementAndGet();
                }
                return;
            } catch (IpamException e) {
                if (!e.tryAgain() || i > 100) {
                    throw e;
                }
                tryAgain.incrementAndGet();
            }
        }
    }

    /** Releases every handle still held, through whichever instance is given. */
    void releaseAll(Ipam ipam) {
        for (String h : List.copyOf(handles.keySet())) {
            release(ipam, h);
        }
    }
}
