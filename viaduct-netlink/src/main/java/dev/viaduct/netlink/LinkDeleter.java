package dev.viaduct.netlink;

import dev.viaduct.sys.libc.Errno;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Deletes links of one namespace by name, many at a time: {@code ip link set <link> group G} for every link
 * queued, then one {@code ip link del group G}.
 *
 * <p>Why: the kernel answers RTM_DELLINK only after the unregistration has waited for RCU — synchronize_net
 * in unregister_netdevice_many and rcu_barrier in netdev_run_todo (net/core/dev.c) — and the first runs under
 * the RTNL mutex, so deletions sent by many threads or processes at once still complete one after another,
 * tens of milliseconds each on a loaded machine. A group deletion (rtnl_group_dellink) hands every link of the
 * group to one unregister_netdevice_many call, so the waits are paid once per batch: on a 2-core machine 100
 * veth pairs took 2.6 s one by one and 0.1 s as one group.
 *
 * <p>The group of a batch is one that no link of the namespace had in the link dump the batch starts with, so
 * the group deletion removes the batch's links and nothing else. A link that is already gone counts as
 * deleted. A batch of one link is an ordinary deletion.
 *
 * <p>Concurrency: {@link #delete} may be called from any thread, virtual ones included, and returns once its
 * link is gone; callers queue their names, and one platform thread (a netlink downcall blocks its thread)
 * takes everything queued so far as one batch with a socket of its own, so while the kernel works on one
 * batch the next one gathers. The thread ends after 30 s without work and starts again on demand.
 */
public final class LinkDeleter implements AutoCloseable {
    /** Links per batch at most; the rest wait for the next one. */
    static final int MAX_BATCH = 512;
    /** Where the search for an unused group starts: high, away from the small numbers people hand out. */
    static final int FIRST_GROUP = 0x7664_0000;

    private final NetNamespace ns;
    private final LinkedBlockingQueue<Job> pending = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor worker;
    /** The next group to try; only the worker thread uses it. */
    private int nextGroup = FIRST_GROUP;

    private record Job(String name, CompletableFuture<Void> done) {
    }

    /** Deletes links in {@code ns}; the handle must stay open as long as this deleter is used. */
    public LinkDeleter(NetNamespace ns) {
        this.ns = ns;
        this.worker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name("link-deleter").factory());
        worker.allowCoreThreadTimeOut(true);
    }

    /**
     * Deletes the link called {@code name} ({@code ip link del <name>}; a veth's peer goes too, in whatever
     * namespace it is) and returns once it is gone. A link that does not exist is not an error.
     *
     * @throws NetlinkException when the kernel refused, naming the request
     */
    public void delete(String name) {
        LinkSettings.validateName(name);
        Job job = new Job(name, new CompletableFuture<>());
        pending.add(job);
        try {
            worker.execute(this::drain);
        } catch (RejectedExecutionException e) {
            pending.remove(job);
            throw new IllegalStateException("link deleter for " + ns + " is closed", e);
        }
        try {
            job.done().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NetlinkException ne) {
                throw ne;
            }
            throw new IllegalStateException("deleting link " + name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw NetlinkException.of("link del " + name + " (interrupted while waiting; it still happens)", Errno.EINTR, null);
        }
    }

    private void drain() {
        List<Job> batch = new ArrayList<>();
        pending.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return; // an earlier drain took this caller's job
        }
        try (Rtnl rtnl = ns.openRtnl()) {
            List<NetlinkException> outcomes = deleteBatch(rtnl, batch.stream().map(Job::name).toList());
            for (int i = 0; i < batch.size(); i++) {
                if (outcomes.get(i) == null) {
                    batch.get(i).done().complete(null);
                } else {
                    batch.get(i).done().completeExceptionally(outcomes.get(i));
                }
            }
        } catch (RuntimeException e) {
            batch.forEach(j -> j.done().completeExceptionally(e));
        }
    }

    /**
     * Deletes every link named in {@code names} (duplicates allowed) and returns, per name, null when it is
     * gone or why the kernel refused. Runs on the worker thread (tests call it directly).
     */
    List<NetlinkException> deleteBatch(Rtnl rtnl, List<String> names) {
        Map<String, Integer> indexOf = new HashMap<>();
        Set<Integer> groupsInUse = new HashSet<>();
        for (Link l : rtnl.links()) {
            indexOf.put(l.name(), l.index());
            groupsInUse.add(l.group());
        }
        List<NetlinkException> outcomes = new ArrayList<>(names.size());
        List<Integer> present = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            outcomes.add(null);
            if (indexOf.containsKey(names.get(i))) {
                present.add(i);
            }
        }
        if (present.size() == 1) {
            int i = present.getFirst();
            outcomes.set(i, deleteOne(rtnl, names.get(i)));
            return outcomes;
        }
        if (present.isEmpty()) {
            return outcomes;
        }
        int group = unusedGroup(groupsInUse);
        List<Request> marks = new ArrayList<>();
        for (int i : present) {
            marks.add(new Request.UpdateLink(indexOf.get(names.get(i)), LinkUpdate.none().withGroup(group)));
        }
        BatchResult marked = rtnl.execute(marks);
        List<Integer> inGroup = new ArrayList<>();
        for (int k = 0; k < present.size(); k++) {
            int i = present.get(k);
            NetlinkException e = marked.error(k);
            if (e == null) {
                inGroup.add(i);
            } else if (!(e instanceof NetlinkException.NotFound)) {
                outcomes.set(i, deleteOne(rtnl, names.get(i))); // could not be marked: on its own
            }
        }
        if (inGroup.isEmpty()) {
            return outcomes;
        }
        try {
            rtnl.execute(new Request.DeleteLinkGroup(group));
        } catch (NetlinkException.NotFound e) {
            // every link of the group went away in between: deleted all the same
        } catch (NetlinkException e) {
            // the group could not go as a whole: each link on its own, each with its own outcome
            for (int i : inGroup) {
                outcomes.set(i, deleteOne(rtnl, names.get(i)));
            }
        }
        return outcomes;
    }

    private static NetlinkException deleteOne(Rtnl rtnl, String name) {
        try {
            rtnl.execute(new Request.DeleteLinkByName(name));
            return null;
        } catch (NetlinkException.NotFound e) {
            return null;
        } catch (NetlinkException e) {
            return e;
        }
    }

    private int unusedGroup(Set<Integer> inUse) {
        while (nextGroup == 0 || inUse.contains(nextGroup)) {
            nextGroup++;
        }
        return nextGroup++;
    }

    /** Lets queued deletions finish; later calls to {@link #delete} fail. */
    @Override
    public void close() {
        worker.shutdown();
    }
}
