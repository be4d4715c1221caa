package dev.viaduct.agent.pod;

import dev.viaduct.cni.spec.PodInterfaces;
import java.util.List;

/**
 * The kernel side of a pod attachment. Implementations: {@link NetlinkPodDataplane} (real kernel) and a fake
 * in tests.
 */
public interface PodDataplane {
    /**
     * Creates the veth pair, the pod side's addresses, routes and neighbour entry, and the host side's sysctls.
     * The host side's route to the pod is the route reconciler's ({@link PodRoutes}). On any failure it removes
     * what it created (the host veth; deleting it removes its peer and routes too) before throwing.
     */
    PodInterfaces attach(PodAttachment attachment) throws DataplaneException;

    /** Removes the host veth if it exists (which removes the pod end and the host route). Missing is fine. */
    void detach(String hostVeth) throws DataplaneException;

    /** Differences between the kernel and what {@link #attach} makes; empty when all is as it should be. */
    List<String> verify(PodAttachment attachment) throws DataplaneException;
}
