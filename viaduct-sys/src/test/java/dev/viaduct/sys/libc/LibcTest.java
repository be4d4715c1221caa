package dev.viaduct.sys.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class LibcTest {
    @Test
    void failingCallCarriesErrnoOperationAndStrerrorText() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            assertThatThrownBy(() -> Libc.close(st, -1))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EBADF);
                        assertThat(e.errnoName()).isEqualTo("EBADF");
                        assertThat(e.description()).isEqualTo("Bad file descriptor");
                        assertThat(e.operation()).isEqualTo("close(fd -1)");
                    })
                    .hasMessage("close(fd -1): Bad file descriptor (EBADF)");
            assertThat(Libc.errno(st)).isEqualTo(Errno.EBADF);
        }
    }

    @Test
    void errnoNamesAndTextComeFromTheCLibrary() {
        assertThat(Errno.name(Errno.EEXIST)).isEqualTo("EEXIST");
        assertThat(Errno.describe(Errno.ECONNREFUSED)).isEqualTo("Connection refused");
        assertThat(Errno.name(100_000)).isEqualTo("errno 100000");
    }

    @Test
    void setsockoptChangesARealSocketAndBindReportsThePortTaken() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = Libc.socket(st, Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            try {
                assertThat(Libc.getsockopt(st, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR)).isZero();
                Libc.setsockopt(st, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
                assertThat(Libc.getsockopt(st, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR)).isEqualTo(1);

                Libc.bind(st, fd, SockAddr.allocate(arena, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
                MemorySegment name = arena.allocate(SockAddr.STORAGE_SIZE, 8);
                MemorySegment len = arena.allocate(JAVA_INT);
                len.set(JAVA_INT, 0, SockAddr.STORAGE_SIZE);
                Libc.getsockname(st, fd, name, len);
                InetSocketAddress bound = SockAddr.read(name);
                assertThat(len.get(JAVA_INT, 0)).isEqualTo(SockAddr.IN_SIZE);
                assertThat(bound.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
                assertThat(bound.getPort()).isPositive();
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    @Test
    void badOptionIsNamedWithTheFd() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = Libc.socket(st, Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            try {
                assertThatThrownBy(() -> Libc.setsockopt(st, fd, Libc.SOL_SOCKET, 9999, 1))
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOPROTOOPT))
                        .hasMessageStartingWith("setsockopt(fd " + fd + ", level 1, option 9999): ");
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    @Test
    void eventfdWriteThenPollThenRead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = Libc.eventfd(st, 0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            try {
                MemorySegment pollFd = arena.allocate(8, 4);
                pollFd.set(JAVA_INT, 0, fd);
                pollFd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
                assertThat(Libc.poll(st, pollFd, 1, 0)).isZero();
                MemorySegment value = arena.allocate(8, 8);
                value.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 5);
                Libc.write(st, fd, value, 8);
                assertThat(Libc.poll(st, pollFd, 1, 0)).isEqualTo(1);
                value.fill((byte) 0);
                assertThat(Libc.read(st, fd, value, 8)).isEqualTo(8);
                assertThat(value.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0)).isEqualTo(5);
                assertThatThrownBy(() -> Libc.read(st, fd, value, 8))
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    @Test
    void downcallBindsAModulesOwnSymbolWithTheSameErrnoCapture() throws Throwable {
        MethodHandle listen = Libc.downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int rc = (int) listen.invokeExact(st, -1, 1);
            assertThat(rc).isEqualTo(-1);
            assertThatThrownBy(() -> Libc.check(rc, st, "listen(fd -1)")).hasMessage("listen(fd -1): Bad file descriptor (EBADF)");
        }
        assertThatThrownBy(() -> Libc.downcall("no_such_libc_function", FunctionDescriptor.ofVoid()))
                .isInstanceOf(UnsatisfiedLinkError.class).hasMessage("libc has no no_such_libc_function");
    }

    @Test
    void joiningAMissingNamespaceNamesThePath() {
        // open fails first, so the test thread never changes namespace
        assertThatThrownBy(() -> Libc.joinNetworkNamespace("/run/netns/vs-no-such-ns"))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("open(/run/netns/vs-no-such-ns): No such file or directory (ENOENT)");
    }
}
