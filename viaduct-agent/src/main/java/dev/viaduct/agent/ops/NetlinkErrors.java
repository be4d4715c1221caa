package dev.viaduct.agent.ops;

import dev.viaduct.netlink.NetlinkException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the agent's netlink failures are reported (for {@code viaduct_netlink_errors_total}): the component
 * that made the request ({@code routes}: the route reconciler's kernel side; {@code dataplane}: pod wiring)
 * and the errno's symbolic name ({@code EEXIST}, {@code ENETUNREACH}, ...).
 */
@FunctionalInterface
public interface NetlinkErrors {
    void error(String component, String errno);

    /** Matches the errno name in a {@link NetlinkException} message: {@code "...: File exists (EEXIST; kernel: ...)"}. */
    Pattern ERRNO_IN_MESSAGE = Pattern.compile("\\((E[A-Z0-9]+)[;)]");

    /** The errno name of {@code t} or of the first {@link NetlinkException} among its causes, else {@code "other"}. */
    static String errnoOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof NetlinkException n) {
                return n.errnoName();
            }
        }
        return t == null ? "other" : errnoIn(t.getMessage());
    }

    /** The errno name quoted in a message made from a {@link NetlinkException}, else {@code "other"}. */
    static String errnoIn(String message) {
        if (message == null) {
            return "other";
        }
        Matcher m = ERRNO_IN_MESSAGE.matcher(message);
        return m.find() ? m.group(1) : "other";
    }
}
