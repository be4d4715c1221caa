package dev.viaduct.sys.log;

import java.util.ResourceBundle;

/**
 * A {@link System.Logger} that looks its backend up ({@link System#getLogger}) on the first event that may be
 * logged instead of when it is created. Looking it up loads the logging backend — the {@code LoggerFinder} service
 * search over the class path (which opens the jars) and java.util.logging's {@code LogManager} and configuration —
 * about 10 ms of a short-lived command's start, paid by every class that holds a logger in a static field even when
 * nothing is ever logged.
 *
 * <p>{@link #floor(System.Logger.Level)} turns the events below a level off for the whole process without asking
 * the backend, so that a command that wants only warnings ({@code viaduct ctl}) never loads logging unless one
 * comes. The JDK infers a record's source class by skipping frames of {@code System.Logger} implementations, so
 * records still name the class that logged.
 *
 * <p>Thread-safe: the backend is looked up at most once per logger, except when two threads race on the first
 * event, in which case both get the same logger from the finder.
 */
public final class DeferredLogger implements System.Logger {
    private static volatile Level floor = Level.ALL;

    private final String name;
    private volatile System.Logger backend;

    private DeferredLogger(String name) {
        this.name = name;
    }

    /** The logger named after {@code owner}, as {@code System.getLogger(owner.getName())}. */
    public static System.Logger of(Class<?> owner) {
        return new DeferredLogger(owner.getName());
    }

    /** The logger named {@code name}. */
    public static System.Logger of(String name) {
        return new DeferredLogger(name);
    }

    /** From now on, events below {@code level} are off for every deferred logger of this process. */
    public static void floor(Level level) {
        floor = level;
    }

    private System.Logger backend() {
        System.Logger b = backend;
        if (b == null) {
            b = System.getLogger(name);
            backend = b;
        }
        return b;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level.getSeverity() >= floor.getSeverity() && backend().isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        if (isLoggable(level)) {
            backend().log(level, bundle, msg, thrown);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) {
            backend().log(level, bundle, format, params);
        }
    }
}
