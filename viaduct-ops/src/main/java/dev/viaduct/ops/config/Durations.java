package dev.viaduct.ops.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in config files: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
public final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String field, String text) throws ConfigException {
        Matcher m = P.matcher(text.strip());
        if (!m.matches()) {
            throw new ConfigException(field + ": \"" + text + "\" is not a duration (e.g. 500ms, 30s, 2m, 1h)");
        }
        try {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            // digits beyond a long, or hours/minutes whose seconds overflow one
            throw new ConfigException(field + ": \"" + text + "\" is out of range");
        }
    }
}
