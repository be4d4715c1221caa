package dev.viaduct.netlink;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of every request of a batch, in request order. A batch is not a transaction: the kernel
 * applies each request on its own, so some may fail while the others take effect.
 *
 * @param requests the requests, as passed
 * @param errors   element i is the failure of request i, or null when it succeeded
 */
public record BatchResult(List<Request> requests, List<NetlinkException> errors) {
    public BatchResult {
        requests = List.copyOf(requests);
        errors = Collections.unmodifiableList(new ArrayList<>(errors));
        if (requests.size() != errors.size()) {
            throw new IllegalArgumentException(requests.size() + " requests but " + errors.size() + " outcomes");
        }
    }

    public boolean allSucceeded() {
        return errors.stream().allMatch(Objects::isNull);
    }

    /** The failures, in request order. */
    public List<NetlinkException> failures() {
        return errors.stream().filter(Objects::nonNull).toList();
    }

    /** The failure of request {@code i}, or null. */
    public NetlinkException error(int i) {
        return errors.get(i);
    }

    /** Throws the first failure (with the others suppressed into it), if any. */
    public void orThrow() {
        List<NetlinkException> f = failures();
        if (!f.isEmpty()) {
            NetlinkException first = f.getFirst();
            for (int i = 1; i < f.size(); i++) {
                first.addSuppressed(f.get(i));
            }
            throw first;
        }
    }
}
