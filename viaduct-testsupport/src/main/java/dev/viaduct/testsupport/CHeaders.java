package dev.viaduct.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the system's C headers say: compiles a program that prints each expression (a constant, a
 * {@code sizeof}, an {@code offsetof}) with gcc, runs it and returns the values, so a test can compare the
 * numbers FFM code hard-codes with the real ones.
 */
public final class CHeaders {
    private CHeaders() {
    }

    /**
     * @param dir         a scratch directory for the program
     * @param includes    headers to include, e.g. {@code sys/socket.h}
     * @param expressions C expressions with integer values, in the order the result lists them
     */
    public static Map<String, Long> evaluate(Path dir, List<String> includes, Collection<String> expressions) {
        StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n");
        for (String h : includes) {
            c.append("#include <").append(h).append(">\n");
        }
        c.append("int main(void) {\n");
        for (String expr : expressions) {
            c.append("  printf(\"%s=%lld\\n\", \"").append(expr).append("\", (long long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("headers.c");
        try {
            Files.writeString(src, c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Cmd.ok("gcc", "-o", dir.resolve("headers").toString(), src.toString());
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : Cmd.ok(dir.resolve("headers").toString()).strip().split("\n")) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        return values;
    }
}
