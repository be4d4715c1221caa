package dev.viaduct.sys.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Logs an event with fields passed as fields: {@code Log.info(LOG, "cni add", "handle", h, "pod", ns + "/" + name)}.
 * The event is a few fixed words; every variable part is a field, so a value holding {@code =}, quotes or a
 * newline is still one field. The record reaching the handler has the message {@code "<event> {0}"} and one
 * parameter, the {@link LogFields}: viaduct-cli's formatter writes the fields as logfmt or JSON fields, and any
 * plain formatter still prints them (as logfmt) where the placeholder is.
 *
 * <p>Nothing is built when the level is off, so a debug event on a hot path costs the varargs array only.
 */
public final class Log {
    private Log() {
    }

    public static void debug(Logger logger, String event, Object... keyValues) {
        log(logger, Level.DEBUG, event, null, keyValues);
    }

    public static void info(Logger logger, String event, Object... keyValues) {
        log(logger, Level.INFO, event, null, keyValues);
    }

    public static void warn(Logger logger, String event, Object... keyValues) {
        log(logger, Level.WARNING, event, null, keyValues);
    }

    public static void error(Logger logger, String event, Throwable thrown, Object... keyValues) {
        log(logger, Level.ERROR, event, thrown, keyValues);
    }

    /** An event at a level chosen at run time. */
    public static void at(Logger logger, Level level, String event, Object... keyValues) {
        log(logger, level, event, null, keyValues);
    }

    /** An event at {@code level}; {@code thrown} may be null. */
    public static void log(Logger logger, Level level, String event, Throwable thrown, Object... keyValues) {
        if (!logger.isLoggable(level)) {
            return;
        }
        logger.log(level, event + " {0}", LogFields.withThrown(thrown, keyValues));
    }
}
