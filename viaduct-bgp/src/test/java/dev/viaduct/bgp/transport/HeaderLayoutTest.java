package dev.viaduct.bgp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.Libc;
import dev.viaduct.sys.libc.SockAddr;
import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every struct offset and constant the transport hard-codes against the C headers of this machine
 * (linux/tcp.h, sys/epoll.h, sys/socket.h, netinet/in.h, errno.h): a C program compiled with gcc (which the
 * build needs anyway, for the CNI shim) prints what the compiler knows, and it must equal what the Java code
 * uses. A wrong offset in {@code struct tcp_md5sig} would make the kernel read a garbage key length.
 */
class HeaderLayoutTest {
    @Test
    void structLayoutsAndConstantsMatchTheSystemHeaders(@TempDir Path dir) throws IOException {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("sizeof(struct tcp_md5sig)", Md5Key.LAYOUT.byteSize());
        java.put("offsetof(struct tcp_md5sig, tcpm_addr)", Md5Key.ADDR_OFFSET);
        java.put("offsetof(struct tcp_md5sig, tcpm_keylen)", Md5Key.KEYLEN_OFFSET);
        java.put("offsetof(struct tcp_md5sig, tcpm_key)", Md5Key.KEY_OFFSET);
        java.put("TCP_MD5SIG_MAXKEYLEN", (long) Md5Key.MAX_KEY_BYTES);
        java.put("sizeof(struct epoll_event)", (long) Poller.EVENT_SIZE);
        java.put("sizeof(struct sockaddr_in)", (long) SockAddr.IN_SIZE);
        java.put("sizeof(struct sockaddr_in6)", (long) SockAddr.IN6_SIZE);
        java.put("offsetof(struct sockaddr_in6, sin6_addr)", 8L);
        java.put("offsetof(struct sockaddr_in6, sin6_scope_id)", 24L);
        java.put("sizeof(struct sockaddr_storage)", (long) SockAddr.STORAGE_SIZE);
        java.put("AF_INET", (long) Libc.AF_INET);
        java.put("AF_INET6", (long) Libc.AF_INET6);
        java.put("SOCK_STREAM", (long) Libc.SOCK_STREAM);
        java.put("SOCK_NONBLOCK", (long) Libc.SOCK_NONBLOCK);
        java.put("SOCK_CLOEXEC", (long) Libc.SOCK_CLOEXEC);
        java.put("SOL_SOCKET", (long) Libc.SOL_SOCKET);
        java.put("SO_REUSEADDR", (long) Libc.SO_REUSEADDR);
        java.put("IPPROTO_TCP", (long) Libc.IPPROTO_TCP);
        java.put("TCP_NODELAY", (long) Syscalls.TCP_NODELAY);
        java.put("TCP_MD5SIG", (long) Syscalls.TCP_MD5SIG);
        java.put("MSG_NOSIGNAL", (long) Libc.MSG_NOSIGNAL);
        java.put("SHUT_RDWR", (long) Syscalls.SHUT_RDWR);
        java.put("EPOLL_CLOEXEC", (long) Syscalls.EPOLL_CLOEXEC);
        java.put("EPOLL_CTL_ADD", (long) Syscalls.EPOLL_CTL_ADD);
        java.put("EPOLL_CTL_MOD", (long) Syscalls.EPOLL_CTL_MOD);
        java.put("EPOLLIN", (long) Syscalls.EPOLLIN);
        java.put("EPOLLOUT", (long) Syscalls.EPOLLOUT);
        java.put("EPOLLONESHOT", (long) Syscalls.EPOLLONESHOT);
        java.put("ENOENT", (long) Errno.ENOENT);
        java.put("EINTR", (long) Errno.EINTR);
        java.put("EAGAIN", (long) Errno.EAGAIN);
        java.put("EEXIST", (long) Errno.EEXIST);
        java.put("EINVAL", (long) Errno.EINVAL);
        java.put("ENOTCONN", (long) Errno.ENOTCONN);
        java.put("ECONNABORTED", (long) Errno.ECONNABORTED);
        java.put("EALREADY", (long) Errno.EALREADY);
        java.put("EINPROGRESS", (long) Errno.EINPROGRESS);
        java.put("EISCONN", (long) Errno.EISCONN);

        StringBuilder c = new StringBuilder("""
                #include <stdio.h>
                #include <stddef.h>
                #include <errno.h>
                #include <sys/socket.h>
                #include <sys/epoll.h>
                #include <netinet/in.h>
                #include <linux/tcp.h>
                int main(void) {
                """);
        for (String expr : java.keySet()) {
            c.append("  printf(\"%s=%lld\\n\", \"").append(expr).append("\", (long long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("layout.c");
        Files.writeString(src, c);
        Cmd.ok("gcc", "-o", dir.resolve("layout").toString(), src.toString());
        Map<String, Long> headers = new LinkedHashMap<>();
        for (String line : Cmd.ok(dir.resolve("layout").toString()).strip().split("\n")) {
            int eq = line.lastIndexOf('=');
            headers.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        assertThat(java).isEqualTo(headers);
    }
}
