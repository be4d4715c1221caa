package dev.viaduct.ipam;

import java.time.Instant;

/**
 * What the store says about a node whose name appears in IPAM's records, as reclamation sees it. Only a
 * node that is not {@link Present} can lose anything, and each state says what a reclaiming transaction
 * compares so that the state still holds when it commits.
 */
public sealed interface NodeState {

    /** Its node record exists: its agent holds the record's lease. Never reclaimed. */
    record Present() implements NodeState {
    }

    /**
     * Its node record is absent, but Kubernetes lists it as a Node (a kube record without the deletion mark):
     * its pods may run while its agent is down, so it is never reclaimed until the Node is deleted.
     */
    record Listed() implements NodeState {
    }

    /** Its node record has been absent since {@code since} (as far as the reclaimer observed): gone after the grace period. */
    record Absent(Instant since) implements NodeState {
    }

    /**
     * Deleted as a Kubernetes Node (its kube record, at {@code kubeRevision}, carries the deletion mark) and
     * its node record is absent: gone at once, without the grace period.
     */
    record Deleted(long kubeRevision) implements NodeState {
    }

    /**
     * An operator asked for it ({@code ctl ipam release --node}): gone at once. {@code nodeRevision} is the
     * node record's revision as read (0: absent), so a record that appears or changes meanwhile stops it.
     */
    record Released(long nodeRevision) implements NodeState {
    }
}
