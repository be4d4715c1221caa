package dev.viaduct.agent.ops;

import dev.viaduct.agent.route.RouteTable;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link RouteTable} that counts the kernel's refusals: whole requests that failed (dump, batch,
 * subscription) and single changes the kernel answered with an error — a conflict with a route Viaduct does
 * not own ({@code EEXIST}) or any other failure. A DELETE of a route that is already gone is not an error
 * (that is what was wanted), and neither is a route whose device does not exist yet: the table finds that
 * out before asking the kernel, and a pod's route routinely waits a moment for its veth.
 *
 * <p>Concurrency: as thread-safe as the delegate; the counter is.
 */
public final class MeteredRouteTable implements RouteTable {
    static final String COMPONENT = "routes";
    private final RouteTable delegate;
    private final NetlinkErrors errors;

    public MeteredRouteTable(RouteTable delegate, NetlinkErrors errors) {
        this.delegate = delegate;
        this.errors = errors;
    }

    @Override
    public List<dev.viaduct.agent.route.Route> dumpOwned() throws RouteTableException {
        try {
            return delegate.dumpOwned();
        } catch (RouteTableException e) {
            errors.error(COMPONENT, NetlinkErrors.errnoOf(e));
            throw e;
        }
    }

    @Override
    public List<Outcome> apply(List<Change> changes) throws RouteTableException {
        List<Outcome> out;
        try {
            out = delegate.apply(changes);
        } catch (RouteTableException e) {
            errors.error(COMPONENT, NetlinkErrors.errnoOf(e));
            throw e;
        }
        for (Outcome o : out) {
            switch (o) {
                case Outcome.Conflict c -> errors.error(COMPONENT, "EEXIST");
                case Outcome.Failed f -> errors.error(COMPONENT, NetlinkErrors.errnoIn(f.message()));
                case Outcome.Done d -> {
                }
                case Outcome.AlreadyGone g -> {
                }
                case Outcome.DeviceMissing m -> {
                }
            }
        }
        return out;
    }

    @Override
    public AutoCloseable subscribe(Consumer<Event> listener) throws RouteTableException {
        try {
            return delegate.subscribe(listener);
        } catch (RouteTableException e) {
            errors.error(COMPONENT, NetlinkErrors.errnoOf(e));
            throw e;
        }
    }
}
