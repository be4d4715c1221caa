package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * When the kernel drops error replies because the receive buffer is full, a batch must not report the
 * affected requests as successes: their outcome is unknown and says so.
 */
@Tag("root")
class BatchOverrunKernelTest extends KernelTestBase {

    @Test
    void lostRepliesAreReportedAsUnknownNeverAsSuccess() {
        List<Request> adds = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            adds.add(new Request.AddRoute(Route.to(IpPrefix.parse("10.150." + (i >> 8) + "." + (i & 255) + "/32"))
                    .withDevice(r0).withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT)));
        }
        assertThat(rtnl.execute(adds).allSucceeded()).isTrue();

        try (Rtnl tiny = handle.openRtnl(1024)) {
            // Every request fails (EEXIST) and the receive buffer holds only a few error replies.
            BatchResult again = tiny.execute(adds);
            assertThat(again.errors()).as("no request is reported as a success").doesNotContainNull();
            List<NetlinkException> unknown = again.failures().stream().filter(e -> e.errno() == Errno.ENOBUFS).toList();
            List<NetlinkException> exists = again.failures().stream().filter(e -> e.errno() == Errno.EEXIST).toList();
            assertThat(unknown).as("some replies were lost").isNotEmpty();
            assertThat(unknown.getFirst().kernelMessage()).contains("outcome unknown");
            assertThat(exists).as("the replies that arrived are reported").isNotEmpty()
                    .allSatisfy(e -> assertThat(e).isInstanceOf(NetlinkException.AlreadyExists.class));
            assertThat(unknown.size() + exists.size()).isEqualTo(adds.size());

            // the socket is still usable afterwards
            tiny.addRoute(Route.to(IpPrefix.parse("10.151.0.1/32")).withDevice(r0).withScope(RouteScope.LINK));
            assertThat(Ip.json(ns, "-4", "route", "show", "10.151.0.1").size()).isEqualTo(1);
        }
    }
}
