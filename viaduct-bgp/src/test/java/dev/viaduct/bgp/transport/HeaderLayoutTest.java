package dev.viaduct.bgp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.CHeaders;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every struct offset and constant the transport hard-codes against the C headers of this machine
 * (linux/tcp.h, sys/epoll.h, sys/socket.h): a C program compiled with gcc (which the build needs anyway, for
 * the CNI shim) prints what the compiler knows, and it must equal what the Java code uses. A wrong offset in
 * {@code struct tcp_md5sig} would make the kernel read a garbage key length. The shared socket constants,
 * errno values and sockaddr sizes are viaduct-sys's, checked by its {@code HeaderConstantsTest}.
 */
class HeaderLayoutTest {
    @Test
    void structLayoutsAndConstantsMatchTheSystemHeaders(@TempDir Path dir) {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("sizeof(struct tcp_md5sig)", Md5Key.LAYOUT.byteSize());
        java.put("offsetof(struct tcp_md5sig, tcpm_addr)", Md5Key.ADDR_OFFSET);
        java.put("offsetof(struct tcp_md5sig, tcpm_keylen)", Md5Key.KEYLEN_OFFSET);
        java.put("offsetof(struct tcp_md5sig, tcpm_key)", Md5Key.KEY_OFFSET);
        java.put("TCP_MD5SIG_MAXKEYLEN", (long) Md5Key.MAX_KEY_BYTES);
        java.put("sizeof(struct epoll_event)", (long) Poller.EVENT_SIZE);
        java.put("TCP_NODELAY", (long) Syscalls.TCP_NODELAY);
        java.put("TCP_MD5SIG", (long) Syscalls.TCP_MD5SIG);
        java.put("SHUT_RDWR", (long) Syscalls.SHUT_RDWR);
        java.put("EPOLL_CLOEXEC", (long) Syscalls.EPOLL_CLOEXEC);
        java.put("EPOLL_CTL_ADD", (long) Syscalls.EPOLL_CTL_ADD);
        java.put("EPOLL_CTL_MOD", (long) Syscalls.EPOLL_CTL_MOD);
        java.put("EPOLLIN", (long) Syscalls.EPOLLIN);
        java.put("EPOLLOUT", (long) Syscalls.EPOLLOUT);
        java.put("EPOLLONESHOT", (long) Syscalls.EPOLLONESHOT);
        assertThat(java).isEqualTo(CHeaders.evaluate(dir, List.of("sys/socket.h", "sys/epoll.h", "netinet/in.h", "linux/tcp.h"), java.keySet()));
    }
}
