package dev.viaduct.kube;

import java.time.Duration;
import java.util.Objects;

/**
 * How kube-controllers elects its leader and cleans up.
 *
 * @param leaseNamespace where the leader Lease ({@code coordination.k8s.io/v1}) lives
 * @param leaseName      the Lease's name
 * @param identity       this instance's name in the Lease (the pod name, say); unique per instance
 * @param leaseDuration  how long a leader that stopped renewing keeps the Lease: a standby takes over at
 *                       most this long after the leader died
 * @param renewDeadline  how long the leader keeps trying to renew before it gives the lead up
 * @param retryPeriod    how often candidates try to take the Lease and the leader renews it
 * @param releaseOnClose give the Lease up when closed (a clean shutdown hands over at once)
 * @param podGcGrace     how long a pod must be missing from the API before IPAM releases its addresses
 * @param sweepInterval  how often deleted Nodes and leaked pod addresses are looked at
 */
public record KubeControllersOptions(String leaseNamespace, String leaseName, String identity, Duration leaseDuration,
        Duration renewDeadline, Duration retryPeriod, boolean releaseOnClose, Duration podGcGrace, Duration sweepInterval) {

    public static final String DEFAULT_NAMESPACE = "viaduct-system";
    public static final String DEFAULT_LEASE = "viaduct-kube-controllers";

    /** fabric8's (and client-go's) jitter: a candidate retries after up to 1.2 retry periods. */
    private static final double JITTER = 1.2;

    public KubeControllersOptions {
        Objects.requireNonNull(identity, "identity");
        name("leaderElection.namespace", leaseNamespace);
        name("leaderElection.leaseName", leaseName);
        if (identity.isBlank()) {
            throw new IllegalArgumentException("leaderElection.identity: must not be empty");
        }
        positive("leaderElection.leaseDuration", leaseDuration);
        positive("leaderElection.renewDeadline", renewDeadline);
        positive("leaderElection.retryPeriod", retryPeriod);
        if (leaseDuration.compareTo(renewDeadline) <= 0) {
            throw new IllegalArgumentException("leaderElection.leaseDuration: " + leaseDuration.toMillis()
                    + "ms must be longer than leaderElection.renewDeadline (" + renewDeadline.toMillis() + "ms)");
        }
        if (renewDeadline.toMillis() <= JITTER * retryPeriod.toMillis()) {
            throw new IllegalArgumentException("leaderElection.renewDeadline: " + renewDeadline.toMillis()
                    + "ms must be longer than 1.2 x leaderElection.retryPeriod (" + retryPeriod.toMillis() + "ms)");
        }
        if (leaseDuration.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("leaderElection.leaseDuration: " + leaseDuration.toMillis()
                    + "ms is not whole seconds (a Lease holds leaseDurationSeconds)");
        }
        Objects.requireNonNull(podGcGrace, "podGc.grace");
        if (podGcGrace.isNegative()) {
            throw new IllegalArgumentException("podGc.grace: must not be negative, got " + podGcGrace);
        }
        positive("podGc.interval", sweepInterval);
    }

    /** client-go's defaults (15 s lease, 10 s renew deadline, 2 s retry), 5 min pod GC grace, 1 min sweeps. */
    public static KubeControllersOptions defaults(String identity) {
        return new KubeControllersOptions(DEFAULT_NAMESPACE, DEFAULT_LEASE, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), true, Duration.ofMinutes(5), Duration.ofMinutes(1));
    }

    public KubeControllersOptions withLeaderElection(Duration lease, Duration renew, Duration retry) {
        return new KubeControllersOptions(leaseNamespace, leaseName, identity, lease, renew, retry, releaseOnClose, podGcGrace, sweepInterval);
    }

    public KubeControllersOptions withLease(String namespace, String name) {
        return new KubeControllersOptions(namespace, name, identity, leaseDuration, renewDeadline, retryPeriod, releaseOnClose, podGcGrace,
                sweepInterval);
    }

    public KubeControllersOptions withReleaseOnClose(boolean release) {
        return new KubeControllersOptions(leaseNamespace, leaseName, identity, leaseDuration, renewDeadline, retryPeriod, release, podGcGrace,
                sweepInterval);
    }

    public KubeControllersOptions withPodGc(Duration grace, Duration interval) {
        return new KubeControllersOptions(leaseNamespace, leaseName, identity, leaseDuration, renewDeadline, retryPeriod, releaseOnClose, grace,
                interval);
    }

    private static void name(String field, String v) {
        if (v == null || !v.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || v.length() > 253) {
            throw new IllegalArgumentException(field + ": '" + v + "' is not a DNS-1123 name (lower case letters, digits, '-', '.')");
        }
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + ": must be positive, got " + d);
        }
    }
}
