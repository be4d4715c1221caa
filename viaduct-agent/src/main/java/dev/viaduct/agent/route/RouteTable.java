package dev.viaduct.agent.route;

import java.util.List;
import java.util.function.Consumer;

/**
 * The kernel's routing tables as the reconciler sees them: only routes with Viaduct's protocol number.
 * Implemented over viaduct-netlink ({@code NetlinkRouteTable}) and by a fake in tests.
 */
public interface RouteTable {
    /** Every route in every table carrying our protocol (IPv4 and IPv6). */
    List<Route> dumpOwned() throws RouteTableException;

    /** One change; {@link Op#ADD} must not replace a foreign route with the same key. */
    record Change(Op op, Route route) {
    }

    enum Op { ADD, REPLACE, DELETE }

    /** Outcome of one change of a batch. */
    sealed interface Outcome {
        record Done() implements Outcome {
        }

        /** A route with this key exists and is not ours (ADD refused, never replaced). */
        record Conflict(String message) implements Outcome {
        }

        /** The device it needs does not exist (yet): retry when links change. */
        record DeviceMissing(String device) implements Outcome {
        }

        /** DELETE of a route that was already gone. */
        record AlreadyGone() implements Outcome {
        }

        record Failed(String message) implements Outcome {
        }
    }

    /** Applies changes in one batch; one outcome per change, in order. */
    List<Outcome> apply(List<Change> changes) throws RouteTableException;

    /** Something happened that may have changed the kernel behind our back. */
    sealed interface Event {
        /** A route with our protocol disappeared. */
        record Deleted(Route route) implements Event {
        }

        /** A route with our protocol appeared or changed. */
        record Added(Route route) implements Event {
        }

        /** A route of another protocol in the main table went away: a conflict it caused may be gone. */
        record ForeignRouteRemoved() implements Event {
        }

        /**
         * A device vanished, went down or was renamed: the kernel flushes the routes over a device that goes
         * away or down without a word (fib_sync_down_dev, net/ipv4/fib_semantics.c), so only a dump tells.
         */
        record LinksChanged() implements Event {
        }

        /**
         * A device appeared, or changed without going down or being renamed: the kernel flushed nothing, but a
         * route that waited for the device ({@link Outcome.DeviceMissing}) can go in now.
         */
        record LinkAppeared() implements Event {
        }

        /** Events were lost (ENOBUFS): only a full dump tells the truth now. */
        record Overrun() implements Event {
        }
    }

    /** Delivers events on a thread of the implementation's choosing until the returned handle is closed. */
    AutoCloseable subscribe(Consumer<Event> listener) throws RouteTableException;

    /** Thrown when talking to the kernel fails as a whole (not per change). */
    final class RouteTableException extends Exception {
        public RouteTableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
