package dev.viaduct.e2e;

import dev.viaduct.lab.LabSpec;
import dev.viaduct.testsupport.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * bench/bfd-agent: SIGSTOP a lab node and time until both other nodes' kernels dropped the routes to its blocks,
 * with BFD (the default) against the same lab with {@code bfd.enabled: false} in the same run: the node lease
 * (host-gw, 5 s TTL in the lab) or BGP's hold timer (90 s; only when {@code BFD_BENCH_BGP_HOLD_TRIES} > 0).
 * Tagged {@code bench}: never part of the test run. Tries: {@code BFD_BENCH_TRIES} (20) with BFD,
 * {@code BFD_BENCH_REF_TRIES} (5) host-gw without.
 */
@Tag("bench")
@Tag("root")
class BfdFailoverBench {
    static int env(String name, int def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : Integer.parseInt(v.strip());
    }

    /**
     * Switches BFD off on every node (their bfdd goes with AdminDown) by restarting the agents with it off; with
     * {@code longLease} the node lease becomes 600 s, so the BGP hold timer, not node removal, ends the session.
     */
    static void disableBfd(LabFixture f, boolean longLease) throws Exception {
        for (String n : f.lab.nodes()) {
            Path yaml = f.lab.dir().resolve(n).resolve("agent.yaml");
            String text = Files.readString(yaml) + "bfd:\n  enabled: false\n";
            Files.writeString(yaml, longLease ? text.replace("leaseTtl: 5s", "leaseTtl: 600s") : text);
            f.lab.stopAgent(n, false);
            f.lab.startAgent(n);
        }
        for (String n : f.lab.nodes()) {
            f.lab.awaitAgent(n, Duration.ofSeconds(60));
            Poll.until(n + " without bfdd", Duration.ofSeconds(30), () -> FreezeTrials.pids(f.lab.nodeNamespace(n)).size() == 1);
        }
    }

    static void report(String mode, List<Double> bfd, List<Double> ref, String refName) {
        System.out.println("RESULT " + mode + " with BFD:    " + FreezeTrials.summary(bfd));
        if (!ref.isEmpty()) {
            System.out.println("RESULT " + mode + " " + refName + ": " + FreezeTrials.summary(ref));
            List<Double> a = bfd.stream().sorted().toList();
            List<Double> b = ref.stream().sorted().toList();
            System.out.printf("RESULT %s ratio p50 %s/BFD = %.1f%n", mode, refName, FreezeTrials.percentile(b, 50) / FreezeTrials.percentile(a, 50));
        }
    }

    @Test
    void hostGw() throws Exception {
        try (LabFixture f = LabFixture.up(s -> s.withNodes(3).withPodsPerNode(1))) {
            try {
                List<Double> bfd = new FreezeTrials(f, "n3", List.of("n1", "n2")).run(env("BFD_BENCH_TRIES", 20), Duration.ofSeconds(60));
                disableBfd(f, false);
                List<Double> ref = new FreezeTrials(f, "n3", List.of("n1", "n2"), false).run(env("BFD_BENCH_REF_TRIES", 5),
                        Duration.ofSeconds(60), Duration.ofSeconds(60));
                report("host-gw", bfd, ref, "lease (no BFD)");
            } finally {
                FreezeTrials.signal("CONT", FreezeTrials.pids(f.lab.nodeNamespace("n3")));
            }
        }
    }

    @Test
    void bgp() throws Exception {
        try (LabFixture f = LabFixture.up(BfdBgpLabTest::bgp)) {
            try {
                List<Double> bfd = new FreezeTrials(f, "n3", List.of("n1", "n2")).run(env("BFD_BENCH_TRIES", 20), Duration.ofSeconds(60));
                int holdTries = env("BFD_BENCH_BGP_HOLD_TRIES", 0);
                List<Double> ref = List.of();
                if (holdTries > 0) {
                    // the lease must outlive the freeze, or node removal (not the hold timer) would take the routes
                    disableBfd(f, true);
                    ref = new FreezeTrials(f, "n3", List.of("n1", "n2"), false).run(holdTries, Duration.ofSeconds(300),
                            Duration.ofSeconds(400));
                }
                report("bgp", bfd, ref, "hold timer (no BFD)");
            } finally {
                FreezeTrials.signal("CONT", FreezeTrials.pids(f.lab.nodeNamespace("n3")));
            }
        }
    }
}
