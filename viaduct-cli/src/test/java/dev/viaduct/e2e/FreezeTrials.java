package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.store.Keys;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Freezes a lab node (SIGSTOP to every process in its namespace: the agent and bfdd) and measures how long until
 * every other node's kernel has dropped the routes to the frozen node's blocks, as seen by the kernels' own
 * route events; then thaws it (SIGCONT) and waits until the routes and BFD sessions are back. The clock starts
 * just before {@code kill -STOP} is exec'd, so the numbers include the kill command's own few milliseconds.
 */
final class FreezeTrials {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private final LabFixture f;
    private final String victim;
    private final List<String> observers;
    private final boolean bfd;

    FreezeTrials(LabFixture f, String victim, List<String> observers) {
        this(f, victim, observers, true);
    }

    /**
     * @param bfd whether the lab runs BFD: then every round first waits for the sessions to be Up, and checks
     *            that the routes went before the victim's lease expired (so BFD removed them); without BFD
     *            (the reference of bench/bfd-agent) the routes go when the lease or the BGP hold timer says so
     */
    FreezeTrials(LabFixture f, String victim, List<String> observers, boolean bfd) {
        this.f = f;
        this.victim = victim;
        this.observers = observers;
        this.bfd = bfd;
    }

    /** One node's /status. */
    static JsonNode status(LabFixture f, String node) {
        try {
            return JSON.readTree(f.get(node, "/status"));
        } catch (Exception e) {
            throw new IllegalStateException("GET /status on " + node + ": " + e, e);
        }
    }

    /** The BFD session {@code node} has with {@code peerAddress}, or null. */
    static JsonNode bfdSession(LabFixture f, String node, String peerAddress) {
        for (JsonNode s : status(f, node).path("bfd")) {
            if (s.path("peer").asString().equals(peerAddress)) {
                return s;
            }
        }
        return null;
    }

    static boolean bfdUp(LabFixture f, String node, String peerAddress) {
        JsonNode s = bfdSession(f, node, peerAddress);
        return s != null && s.path("state").asString().equals("UP") && !s.path("pathDown").asBoolean();
    }

    /**
     * Waits until {@code node}'s session with {@code peerAddress} runs at the configured fast timers. Up comes
     * before them: the peer advertises the 1 s slow rate until it is Up itself and then lowers it with a Poll
     * Sequence (RFC 5880 §6.8.3), so for up to a slow interval after Up the detection time is 3 s.
     */
    static void awaitFastTimers(LabFixture f, String node, String peerAddress, long txMs, long detectMs, Duration timeout) {
        Poll.until(node + "'s BFD session with " + peerAddress + " at tx " + txMs + " ms, detect " + detectMs + " ms", timeout, () -> {
            JsonNode s = bfdSession(f, node, peerAddress);
            return s != null && s.path("txIntervalMs").asLong() == txMs && s.path("detectMs").asLong() == detectMs;
        });
    }

    /** The victim's blocks as route destinations. */
    List<String> victimPrefixes() {
        List<String> out = new ArrayList<>();
        for (Block b : f.blocks()) {
            if (b.affineNode().map(victim::equals).orElse(false)) {
                out.add(b.cidr().toString());
            }
        }
        return out;
    }

    boolean routesPresent(List<String> prefixes) {
        String via = " via " + f.lab.nodeAddress(victim) + " ";
        for (String o : observers) {
            List<String> routes = f.lab.routes(o);
            for (String p : prefixes) {
                if (routes.stream().noneMatch(r -> r.startsWith(p + via))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Waits until every observer routes to the victim and has its BFD session to it Up. */
    void awaitHealthy(List<String> prefixes, Duration timeout) {
        String addr = f.lab.nodeAddress(victim);
        Poll.until("routes to " + victim + "'s blocks " + prefixes + " and BFD Up on " + observers, timeout,
                () -> routesPresent(prefixes) && (!bfd || observers.stream().allMatch(o -> bfdUp(f, o, addr))));
    }

    static List<String> pids(String namespace) {
        String out = Cmd.ok("ip", "netns", "pids", namespace).strip();
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }

    static void signal(String sig, List<String> pids) {
        List<String> argv = new ArrayList<>(List.of("kill", "-" + sig));
        argv.addAll(pids);
        Cmd.run(argv.toArray(String[]::new));
    }

    /** Runs {@code tries} freeze/thaw rounds; returns the milliseconds from SIGSTOP to routes gone on every observer. */
    List<Double> run(int tries, Duration recovery) throws Exception {
        return run(tries, recovery, Duration.ofSeconds(10));
    }

    /** As {@link #run(int, Duration)}, waiting up to {@code detection} for the routes to go. */
    List<Double> run(int tries, Duration recovery, Duration detection) throws Exception {
        List<String> prefixes = victimPrefixes();
        assertThat(prefixes).as(victim + " has blocks").isNotEmpty();
        awaitHealthy(prefixes, recovery);
        // observer -> prefix -> nanoTime of the first removal seen in this round
        Map<String, Map<String, Long>> removed = new ConcurrentHashMap<>();
        List<AutoCloseable> subs = new ArrayList<>();
        List<Double> millis = new ArrayList<>();
        try {
            for (String o : observers) {
                NetNamespace ns = NetNamespace.openNamed(f.lab.nodeNamespace(o));
                subs.add(ns);
                Map<String, Long> mine = new ConcurrentHashMap<>();
                removed.put(o, mine);
                subs.add(NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE), e -> {
                    if (e instanceof NetlinkEvent.RouteRemoved r && r.route().protocol().equals(RouteProtocol.VIADUCT)) {
                        mine.putIfAbsent(r.route().destination().toString(), System.nanoTime());
                    }
                }));
            }
            String ns = f.lab.nodeNamespace(victim);
            for (int t = 0; t < tries; t++) {
                removed.values().forEach(Map::clear);
                List<String> pids = pids(ns);
                assertThat(pids).as("processes in " + ns).hasSizeGreaterThanOrEqualTo(bfd ? 2 : 1); // the agent, and bfdd
                long t0 = System.nanoTime();
                boolean leaseAlive;
                try {
                    signal("STOP", pids);
                    Poll.until("routes to frozen " + victim + " gone on " + observers, detection,
                            () -> observers.stream().allMatch(o -> removed.get(o).keySet().containsAll(prefixes)));
                    // the node's lease (5 s in the lab) has not expired: BFD removed the routes, not the lease
                    leaseAlive = f.store.get(Keys.defaults().node(victim)).isPresent();
                } finally {
                    signal("CONT", pids);
                }
                long last = 0;
                for (String o : observers) {
                    for (String p : prefixes) {
                        last = Math.max(last, removed.get(o).get(p));
                    }
                }
                double ms = (last - t0) / 1e6;
                millis.add(ms);
                System.out.printf("freeze %s try %2d: routes gone on %s after %.0f ms (lease alive: %s)%n", victim, t + 1, observers, ms,
                        leaseAlive);
                if (bfd) {
                    assertThat(leaseAlive).as("node record of %s still present when its routes were gone (try %d)", victim, t + 1).isTrue();
                }
                awaitHealthy(prefixes, recovery);
            }
        } finally {
            for (int i = subs.size() - 1; i >= 0; i--) {
                subs.get(i).close();
            }
        }
        return millis;
    }

    /** "p50=… p99=… max=… ms over N tries". */
    static String summary(List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        s.sort(Double::compare);
        return String.format("p50=%.0f ms p99=%.0f ms min=%.0f ms max=%.0f ms over %d tries", percentile(s, 50), percentile(s, 99),
                s.getFirst(), s.getLast(), s.size());
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
