package dev.viaduct.ctl;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/**
 * The outcome of one {@code viaduct ctl} command: printed as a table for people or as JSON for scripts, and
 * the exit code scripts can rely on ({@link CtlException#OK}, {@link CtlException#PROBLEM},
 * {@link CtlException#UNREACHABLE}).
 */
public interface Report {
    void printTable(PrintWriter out);

    JsonNode json();

    int exitCode();
}
