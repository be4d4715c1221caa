package dev.viaduct.ctl;

import static dev.viaduct.ctl.Fixtures.STATIC;
import static dev.viaduct.ctl.Fixtures.VIADUCT;
import static dev.viaduct.ctl.Fixtures.blackhole;
import static dev.viaduct.ctl.Fixtures.onlink;
import static dev.viaduct.ctl.Fixtures.via;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ctl.Explanation.Step;
import dev.viaduct.ctl.Explanation.Verdict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathExplainerTest {
    final Fixtures.Cluster c = new Fixtures.Cluster();

    static String table(Explanation e) {
        StringWriter w = new StringWriter();
        e.printTable(new PrintWriter(w, true));
        return w.toString();
    }

    @Test
    void aHealthyPathIsWalkedBothWaysHopByHop() {
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problems()).isEmpty();
        assertThat(e.exitCode()).isZero();
        assertThat(e.from().node()).contains("n1");
        assertThat(e.from().pod()).contains("lab/pa");
        assertThat(e.to().summary()).isEqualTo("pod lab/pb on node n3 (block 10.244.3.0/26)");
        assertThat(e.forward()).extracting(Step::node, Step::check, Step::verdict, Step::next).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n1", "route", Verdict.OK, "n3"),
                org.assertj.core.groups.Tuple.tuple("n3", "deliver", Verdict.OK, ""));
        assertThat(e.forward().getFirst().route()).isEqualTo("10.244.3.0/26 via 10.168.0.13 dev eth0 proto viaduct");
        assertThat(e.forward().getFirst().encap()).isEqualTo("none");
        assertThat(e.forward().getFirst().detail()).isEqualTo("direct to node n3 (10.168.0.13)");
        assertThat(e.back()).extracting(Step::node).containsExactly("n3", "n1");
        assertThat(e.back().getLast().detail()).startsWith("to the pod on vdca (up");
        assertThat(table(e)).contains("OK: 10.244.1.5 and 10.244.3.7 can reach each other");
    }

    @Test
    void aBlockRouteRemovedByHandIsNamedWithTheRouteExpectedAndWhatTheKernelUsesInstead() {
        c.n1.dropKernel("10.244.3.0/26");
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.exitCode()).isEqualTo(CtlException.PROBLEM);
        assertThat(e.problems()).containsExactly("node n1 has no route to 10.244.3.0/26 (expected via 10.168.0.13 dev eth0);"
                + " packets to 10.244.3.7 follow 0.0.0.0/0 via 10.168.0.1 dev eth0 proto static instead");
        assertThat(e.forward()).hasSize(1);
        assertThat(e.forward().getFirst().verdict()).isEqualTo(Verdict.BROKEN);
        assertThat(e.forward().getFirst().expected()).isEqualTo("10.244.3.0/26 via 10.168.0.13 dev eth0");
        // the way back is fine, and is still walked
        assertThat(e.back()).extracting(Step::verdict).containsOnly(Verdict.OK);
        assertThat(table(e)).contains("BROKEN: node n1 has no route to 10.244.3.0/26");
    }

    @Test
    void theAgentsOwnProblemReportIsQuoted() {
        c.n1.dropKernel("10.244.3.0/26").dropKernel("0.0.0.0/0");
        c.n1.problems.put("10.244.3.0/26", "route add 10.244.3.0/26 via 10.168.0.13: Network is unreachable (ENETUNREACH)");
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problem()).isEqualTo("node n1 has no route to 10.244.3.0/26 (expected via 10.168.0.13 dev eth0); its agent"
                + " reports: route add 10.244.3.0/26 via 10.168.0.13: Network is unreachable (ENETUNREACH)");
    }

    @Test
    void aForeignRouteHoldingTheBlocksDestinationIsNamed() {
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.kernel.add(via("10.244.3.0/26", "10.168.0.99", "eth0", STATIC));
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problem()).isEqualTo("node n1's route to 10.244.3.0/26 is not Viaduct's: the kernel has 10.244.3.0/26 via"
                + " 10.168.0.99 dev eth0 proto static (expected via 10.168.0.13 dev eth0); Viaduct never replaces a route it"
                + " does not own: remove it");
    }

    @Test
    void aMoreSpecificForeignBlackholeOverridesViaductsRoute() {
        c.n1.kernel.add(blackhole("10.244.3.7/32", STATIC));
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problem()).isEqualTo("node n1 drops packets to 10.244.3.7: blackhole 10.244.3.7 proto static"
                + " (not Viaduct's; it overrides 10.244.3.0/26 via 10.168.0.13 dev eth0)");
    }

    @Test
    void aViaductRouteThatForwardsDifferentlyFromWhatTheAgentWantsIsADifference() {
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.kernel.add(via("10.244.3.0/26", "10.168.0.12", "eth0", VIADUCT));
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem()).isEqualTo("node n1's route to 10.244.3.0/26 differs from"
                + " what its agent wants: the kernel has 10.244.3.0/26 via 10.168.0.12 dev eth0 proto viaduct (expected via"
                + " 10.168.0.13 dev eth0)");
    }

    @Test
    void aPodRouteMissingOnTheDestinationNodeFallsIntoTheBlocksBlackhole() {
        c.n3.dropKernel("10.244.3.7/32");
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problem()).isEqualTo("node n3 has no route to pod 10.244.3.7 (expected 10.244.3.7 dev vdcb scope link);"
                + " packets to 10.244.3.7 hit blackhole 10.244.3.0/26 proto viaduct instead");
        assertThat(e.forward()).extracting(Step::verdict).containsExactly(Verdict.OK, Verdict.BROKEN);
    }

    @Test
    void aPodInterfaceDeletedByHandIsNamed() {
        c.n3.dropKernel("10.244.3.7/32").dropLink("vdcb");
        c.n3.problems.put("10.244.3.7/32", "device vdcb does not exist");
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem()).isEqualTo("node n3 has no route to pod 10.244.3.7"
                + " (expected 10.244.3.7 dev vdcb scope link): its interface vdcb does not exist (deleted by hand, or the pod's"
                + " network namespace is gone); its agent reports: device vdcb does not exist");
    }

    @Test
    void aPodInterfaceSetDownByHandIsNamedBeforeTheRouteTheKernelDroppedWithIt() {
        c.n3.dropKernel("10.244.3.7/32").dropLink("vdcb");
        c.n3.links.add(Fixtures.link("vdcb", "veth", false));
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem()).isEqualTo("pod 10.244.3.7's interface vdcb on node n3 is"
                + " down (expected 10.244.3.7 dev vdcb scope link)");
    }

    @Test
    void aPeerTheAgentCannotRouteToIsExplainedWithTheAgentsReason() {
        c.n1.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.notOnLink.put("n3", "its address 10.1.0.13 is not in a connected subnet of eth0 (10.168.0.0/24)");
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem()).isEqualTo("node n1 has no Viaduct route to 10.244.3.7"
                + " (packets follow 0.0.0.0/0 via 10.168.0.1 dev eth0 proto static), and its agent wants none: node n3 is not"
                + " reachable from n1: its address 10.1.0.13 is not in a connected subnet of eth0 (10.168.0.0/24)");
    }

    @Test
    void addressesThatNoPodHoldsEndTheWalkBeforeAnyAgentIsAsked() {
        c.unreachable.addAll(List.of("n1", "n2", "n3")); // proves no agent is asked
        assertThat(c.explain("10.244.1.5", "10.244.3.50").problems()).containsExactly(
                "10.244.3.50 is not allocated: no pod has this address (it is in node n3's block 10.244.3.0/26)");
        assertThat(c.explain("10.99.0.1", "10.244.3.7").problems()).containsExactly(
                "10.99.0.1 is not in any Viaduct pool (pools: 10.244.0.0/16)");
        assertThat(c.explain("10.244.1.5", "10.244.9.9").problems()).containsExactly(
                "10.244.9.9 is in pool 10.244.0.0/16 but in no IPAM block: no pod has this address");
        assertThat(c.explain("10.244.1.5", "10.244.3.7").forward()).isNotEmpty(); // and otherwise they would be
    }

    @Test
    void aPodOnANodeWithoutARecordIsNamed() {
        c.records.removeIf(r -> r.name().equals("n3"));
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problems()).containsExactly("pod lab/pb (10.244.3.7) is on node n3,"
                + " which has no node record: its agent has been down longer than its lease, or the node was removed");
    }

    @Test
    void anAgentThatDoesNotAnswerMakesThePathUnknownNotBroken() {
        c.unreachable.add("n3");
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problems()).isEmpty();
        assertThat(e.exitCode()).isEqualTo(CtlException.UNREACHABLE);
        assertThat(e.unknowns()).containsExactly("cannot check node n3: cannot reach agent at http://10.168.0.13:9099:"
                + " connection refused");
        assertThat(e.forward()).extracting(Step::verdict).containsExactly(Verdict.OK, Verdict.UNKNOWN);
        assertThat(e.back()).extracting(Step::verdict).containsExactly(Verdict.UNKNOWN);
    }

    @Test
    void aVxlanHopIsReportedAsEncapsulatedToTheNodeOwningTheVtep() {
        c.records.replaceAll(r -> r.name().equals("n3") ? new NodeRecord("n3", r.addresses(), "eth0", Map.of(), "host-gw", 0,
                new NodeRecord.Vtep("10.244.3.0", "66:00:00:00:00:03"), "test", r.agentUrl()) : r);
        c.n1.links.add(Fixtures.link("vxlan.viaduct", "vxlan", true));
        c.n1.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.want(onlink("10.244.3.0/26", "10.244.3.0", "vxlan.viaduct", VIADUCT));
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problems()).isEmpty();
        Step hop = e.forward().getFirst();
        assertThat(hop.encap()).isEqualTo("vxlan");
        assertThat(hop.next()).isEqualTo("n3");
        assertThat(hop.detail()).isEqualTo("vxlan tunnel over vxlan.viaduct (onlink) to node n3 (10.244.3.0)");
    }

    @Test
    void aTunnelDeviceThatIsDownBreaksTheHop() {
        c.n1.links.add(Fixtures.link("tunl0", "ipip", false));
        c.n1.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.want(onlink("10.244.3.0/26", "10.168.0.13", "tunl0", VIADUCT));
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem()).isEqualTo("node n1's route 10.244.3.0/26 via 10.168.0.13 dev"
                + " tunl0 onlink proto viaduct uses device tunl0, which is down");
    }

    @Test
    void aRouterNextHopIsFollowedOnTrustAndSaidSo() {
        // BGP with a top-of-rack router: the agent learned n3's block from the router
        c.n1.mode = "bgp";
        c.n1.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.want(via("10.244.3.0/26", "10.168.0.1", "eth0", VIADUCT));
        Explanation e = c.explain("10.244.1.5", "10.244.3.7");
        assertThat(e.problems()).isEmpty();
        assertThat(e.forward().getFirst().detail()).isEqualTo("direct to router 10.168.0.1 (not a Viaduct node: ctl cannot see"
                + " its routes; assuming it delivers to n3)");
        assertThat(e.forward()).extracting(Step::node).containsExactly("n1", "n3");
    }

    @Test
    void podsOnTheSameNodeNeedOnlyTheirOwnRoutes() {
        Explanation e = c.explain("10.244.1.5", "10.244.1.9");
        assertThat(e.problems()).isEmpty();
        assertThat(e.forward()).extracting(Step::node, Step::check).containsExactly(org.assertj.core.groups.Tuple.tuple("n1", "deliver"));
        assertThat(e.back()).extracting(Step::detail).containsExactly("to the pod on vdca (up, up)");
    }

    @Test
    void aRoutingLoopBetweenNodesIsDetected() {
        // n1 sends n3's block to n2, and n2 sends it back to n1
        c.n1.dropKernel("10.244.3.0/26");
        c.n1.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n1.want(via("10.244.3.0/26", "10.168.0.12", "eth0", VIADUCT));
        c.n2.dropKernel("10.244.3.0/26");
        c.n2.desired.removeIf(r -> r.destination().toString().equals("10.244.3.0/26"));
        c.n2.want(via("10.244.3.0/26", "10.168.0.11", "eth0", VIADUCT));
        assertThat(c.explain("10.244.1.5", "10.244.3.7").problem())
                .isEqualTo("routing loop for 10.244.3.7: n1 -> n2 -> n1");
    }

    @Test
    void jsonCarriesBothDirectionsAndTheFirstProblem() {
        c.n1.dropKernel("10.244.3.0/26");
        var j = c.explain("10.244.1.5", "10.244.3.7").json();
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("problem").asString()).startsWith("node n1 has no route to 10.244.3.0/26");
        assertThat(j.get("from").get("node").asString()).isEqualTo("n1");
        assertThat(j.get("to").get("pod").asString()).isEqualTo("lab/pb");
        assertThat(j.get("forward").get(0).get("verdict").asString()).isEqualTo("broken");
        assertThat(j.get("return").size()).isEqualTo(2);
    }
}
