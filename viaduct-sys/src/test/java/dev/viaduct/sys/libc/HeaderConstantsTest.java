package dev.viaduct.sys.libc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.CHeaders;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every constant and struct size this package hard-codes, against the C headers. */
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
        assertThat(java).isEqualTo(CHeaders.evaluate(dir, List.of("errno.h", "fcntl.h", "poll.h", "sched.h", "sys/socket.h",
                "sys/mount.h", "sys/eventfd.h", "netinet/in.h", "linux/nsfs.h"), java.keySet()));
    }
}
