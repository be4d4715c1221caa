package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.netlink.codec.Uapi;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownLinksTest {
    static Link link(int index, String name, boolean up) {
        return new Link(index, name, new LinkInfo.Veth(), up ? Uapi.IFF_UP : 0, 1500, null, OperState.UNKNOWN, 0, 0, -1, 1,
                List.of(), 0);
    }

    @Test
    void onlyAKnownLinkGoingDownRenamedOrAwayMayHaveCostRoutes() {
        KnownLinks k = new KnownLinks();
        k.reset(List.of(link(2, "eth0", true), link(3, "vdc1", true)));

        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(4, "vdc2", false)))).as("new, down").isFalse();
        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(4, "vdc2", true)))).as("came up").isFalse();
        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(2, "eth0", true)))).as("changed while up").isFalse();
        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(3, "vdc1", false)))).as("went down").isTrue();
        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(3, "vdc1", false)))).as("still down").isFalse();
        assertThat(k.apply(new NetlinkEvent.LinkChanged(link(3, "vdc9", false)))).as("renamed").isTrue();
        assertThat(k.apply(new NetlinkEvent.LinkRemoved(link(4, "vdc2", true)))).as("gone").isTrue();
        assertThat(k.apply(new NetlinkEvent.ResyncNeeded("x"))).as("not a link event").isFalse();

        assertThat(k.names()).containsOnly(java.util.Map.entry(2, "eth0"), java.util.Map.entry(3, "vdc9"));
        assertThat(k.knows(4)).isFalse();
        k.reset(List.of(link(7, "lo", true)));
        assertThat(k.names()).containsOnlyKeys(7);
    }
}
