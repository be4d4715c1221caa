package dev.viaduct.netlink;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fresh namespace per test ({@link #ns}, with loopback up) and an {@link Rtnl} in it, plus two veth
 * pairs to route over: {@code r0} (10.1.0.1/24, fd00:1::1/64) ↔ {@code r0p}, and {@code r1} (10.2.0.1/24,
 * fd00:2::1/64) ↔ {@code r1p}, all up. Everything the test opened is closed and the namespaces removed
 * afterwards, whether the test passed or not.
 */
abstract class KernelTestBase {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    String ns;
    NetNamespace handle;
    Rtnl rtnl;
    int r0;
    int r1;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void createNamespace() {
        Netns.requireRoot();
        ns = netns.create(getClass().getSimpleName());
        handle = closeLater(NetNamespace.open(Netns.path(ns)));
        rtnl = closeLater(handle.openRtnl());
        r0 = pair("r0", "10.1.0.1/24", "fd00:1::1/64");
        r1 = pair("r1", "10.2.0.1/24", "fd00:2::1/64");
    }

    private int pair(String name, String v4, String v6) {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named(name).withUp(true), LinkSettings.named(name + "p").withUp(true)));
        int idx = rtnl.link(name).orElseThrow().index();
        rtnl.addAddress(Address.of(IpPrefix.parse(v4), idx));
        rtnl.addAddress(Address.of(IpPrefix.parse(v6), idx).withFlags(Address.NODAD));
        return idx;
    }

    <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    static java.net.InetAddress ip(String literal) {
        return java.net.InetAddress.ofLiteral(literal);
    }
}
