package dev.viaduct.sys.libc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every constant and struct size this package hard-codes, against the C headers (compiled and printed with gcc). */
class HeaderConstantsTest {
    @Test
    void constantsAndSizesMatchTheSystemHeaders(@TempDir Path dir) throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("sizeof(struct sockaddr_in)", (long) SockAddr.IN_SIZE);
        java.put("sizeof(struct sockaddr_in6)", (long) SockAddr.IN6_SIZE);
        java.put("offsetof(struct sockaddr_in6, sin6_addr)", 8L);
        java.put("offsetof(struct sockaddr_in6, sin6_scope_id)", 24L);
        java.put("sizeof(struct sockaddr_storage)", (long) SockAddr.STORAGE_SIZE);
        for (var f : Libc.class.getFields()) {
            java.put(f.getName(), ((Number) f.get(null)).longValue());
        }
        for (var f : Errno.class.getFields()) {
            java.put(f.getName(), ((Number) f.get(null)).longValue());
        }
        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stdio.h>
                #include <stddef.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <poll.h>
                #include <sched.h>
                #include <sys/socket.h>
                #include <sys/mount.h>
                #include <sys/eventfd.h>
                #include <netinet/in.h>
                #include <linux/nsfs.h>
                int main(void) {
                """);
        for (String expr : java.keySet()) {
            c.append("  printf(\"%s=%lld\\n\", \"").append(expr).append("\", (long long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("constants.c");
        Files.writeString(src, c);
        run("gcc", "-o", dir.resolve("constants").toString(), src.toString());
        Map<String, Long> headers = new LinkedHashMap<>();
        for (String line : run(dir.resolve("constants").toString()).strip().split("\n")) {
            int eq = line.lastIndexOf('=');
            headers.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        assertThat(java).isEqualTo(headers);
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
        return out;
    }
}
