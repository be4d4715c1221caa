package dev.viaduct.agent.ops;

import dev.viaduct.cni.spec.PodInterfaces;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.pod.PodAttachment;
import dev.viaduct.agent.pod.PodDataplane;
import java.util.List;

/**
 * A {@link PodDataplane} that counts the netlink failures behind pod wiring errors (the
 * {@link DataplaneException}'s netlink cause, by errno) before passing them on unchanged. Failures with no
 * netlink cause (a check that found something wrong) are not netlink errors and are not counted here; CNI
 * results are counted by verb and result anyway.
 *
 * <p>Concurrency: as thread-safe as the delegate.
 */
public final class MeteredPodDataplane implements PodDataplane {
    static final String COMPONENT = "dataplane";
    private final PodDataplane delegate;
    private final NetlinkErrors errors;

    public MeteredPodDataplane(PodDataplane delegate, NetlinkErrors errors) {
        this.delegate = delegate;
        this.errors = errors;
    }

    @Override
    public PodInterfaces attach(PodAttachment attachment) throws DataplaneException {
        try {
            return delegate.attach(attachment);
        } catch (DataplaneException e) {
            count(e);
            throw e;
        }
    }

    @Override
    public void detach(String hostVeth) throws DataplaneException {
        try {
            delegate.detach(hostVeth);
        } catch (DataplaneException e) {
            count(e);
            throw e;
        }
    }

    @Override
    public List<String> verify(PodAttachment attachment) throws DataplaneException {
        try {
            return delegate.verify(attachment);
        } catch (DataplaneException e) {
            count(e);
            throw e;
        }
    }

    private void count(DataplaneException e) {
        if (e.getCause() != null) {
            errors.error(COMPONENT, NetlinkErrors.errnoOf(e.getCause()));
        }
    }
}
