package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.CheckReport;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Pool;
import dev.viaduct.ipam.ReclaimReport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@code viaduct ctl} reads from (and, for {@code ipam release}, writes to) the datastore. Implemented over
 * etcd by {@link StoreClusterReader}; tests use the same class over the in-memory store. Every method throws
 * {@link CtlException} with {@link CtlException#UNREACHABLE} when the store does not answer.
 */
public interface ClusterReader extends AutoCloseable {
    /** Every node record (nodes whose agent holds its lease), sorted by name. */
    List<NodeRecord> nodes();

    List<Pool> pools();

    List<Block> blocks();

    List<Handle> handles();

    /** IPAM's consistency check. */
    CheckReport check();

    /** What a reclamation pass would do now with grace period {@code reclaimAfter} (a dry run: nothing changes). */
    ReclaimReport reclaimCheck(Duration reclaimAfter);

    /** Releases every handle and block of {@code node} ({@code force}: even while it has a node record). */
    ReclaimReport releaseNode(String node, boolean force, boolean dryRun);

    /** Releases one address (whoever holds it); the handle it belonged to, or empty if it was free. */
    Optional<String> release(InetAddress ip);

    @Override
    void close();
}
