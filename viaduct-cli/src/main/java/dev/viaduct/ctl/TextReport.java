package dev.viaduct.ctl;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/** A report that is already text (for the table form) and a JSON tree. */
public record TextReport(String text, JsonNode json, int exitCode) implements Report {
    @Override
    public void printTable(PrintWriter out) {
        out.print(text);
    }
}
