package dev.viaduct.sys.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeferredLoggerTest {
    private static final String NAME = "dev.viaduct.sys.log.DeferredLoggerTest.events";

    private final List<LogRecord> records = new ArrayList<>();
    /** The source class of each record as a formatter sees it: inferred from the stack while it is published. */
    private final List<String> sources = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
            sources.add(r.getSourceClassName());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterEach
    void restore() {
        DeferredLogger.floor(Level.ALL);
        Logger.getLogger(NAME).removeHandler(capture);
    }

    /** A deferred logger whose backend, java.util.logging's logger of that name, keeps every record here. */
    private System.Logger captured() {
        Logger jul = Logger.getLogger(NAME);
        jul.setLevel(java.util.logging.Level.ALL);
        jul.addHandler(capture);
        return DeferredLogger.of(NAME);
    }

    @Test
    void eventsReachTheBackendNamingTheClassThatLogged() {
        System.Logger log = captured();

        log.log(Level.DEBUG, "debug {0}", 1);
        log.log(Level.WARNING, "warning");

        assertThat(log.getName()).isEqualTo(NAME);
        assertThat(records).extracting(LogRecord::getMessage).containsExactly("debug {0}", "warning");
        assertThat(sources).containsExactly(DeferredLoggerTest.class.getName(), DeferredLoggerTest.class.getName());
    }

    @Test
    void theFloorTurnsOffWhatIsBelowItAndNothingElse() {
        System.Logger log = captured();

        DeferredLogger.floor(Level.WARNING);
        log.log(Level.INFO, "info");
        log.log(Level.ERROR, "error");

        assertThat(log.isLoggable(Level.INFO)).isFalse();
        assertThat(log.isLoggable(Level.WARNING)).isTrue();
        assertThat(records).extracting(LogRecord::getMessage).containsExactly("error");
    }
}
