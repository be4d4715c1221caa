package dev.viaduct.agent.pod;

/**
 * The host side's {@code podIP dev vdc… scope link} routes have one writer, the route reconciler: the CNI
 * handler puts the endpoint into {@link LocalEndpoints} (which feeds the reconciler), the dataplane creates
 * the veth, and this waits until the reconciler has programmed the endpoint's routes, so a pod's first packet
 * back from the host is routed as soon as its ADD returns.
 */
@FunctionalInterface
public interface PodRoutes {
    /** Returns once every host route of {@code endpoint} is in the kernel; throws when that does not happen in time. */
    void awaitProgrammed(LocalEndpoints.Endpoint endpoint) throws DataplaneException;
}
