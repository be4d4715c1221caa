package dev.viaduct.cli;

import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code viaduct lab up|check|status|down|demo|pod}: a whole cluster in network namespaces on this machine. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "Build, inspect and remove a lab cluster in network namespaces on this machine.",
        subcommands = {LabCommand.Up.class, LabCommand.Check.class, LabCommand.Status.class, LabCommand.Down.class,
                LabCommand.Demo.class, LabCommand.PodCmd.class, LabPoolCommand.class, LabPolicyCommands.Ns.class,
                LabPolicyCommands.Probe.class})
final class LabCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * For the {@code viaduct lab} process only (the binary's choice, not the lab library's): an exception no
     * one caught on another thread — a shutdown hook removing a lab, a failed state save — is one line on
     * stderr naming the thread, or for an {@link java.io.UncheckedIOException} its message and cause.
     */
    static void reportUncaughtBriefly() {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof java.io.UncheckedIOException u) {
                System.err.println("lab: " + u.getMessage() + ": " + u.getCause());
            } else {
                System.err.println("lab: uncaught in " + t.getName() + ": " + e);
            }
        });
    }

    static class Name {
        @Option(names = "--name", defaultValue = "demo", description = "Lab name, 1..6 lower-case letters/digits (default: ${DEFAULT-VALUE}).")
        String name;
    }

    static class Shape {
        @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--pods", defaultValue = "2", description = "Pods per node (default: ${DEFAULT-VALUE}).")
        int pods;

        @Option(names = "--mode", defaultValue = "host-gw", description = "Cluster mode (default: ${DEFAULT-VALUE}).")
        String mode;

        @Option(names = "--subnet", defaultValue = "10.168.0", description = "First three octets of the node segment (default: ${DEFAULT-VALUE}).")
        String subnet;

        @Option(names = "--pod-cidr", defaultValue = "10.244.0.0/16", description = "Pod pool (default: ${DEFAULT-VALUE}).")
        String podCidr;

        @Option(names = "--portmap", description = "Chain the reference portmap plugin.")
        boolean portmap;

        @Option(names = "--racks", defaultValue = "1", description = "L2 segments (racks), each its own /24, joined by a "
                + "router that knows no pod routes (default: ${DEFAULT-VALUE}).")
        int racks;

        @Option(names = "--vxlan", defaultValue = "Never", description = "The pod pool's vxlanMode: Never, CrossSubnet or "
                + "Always (default: ${DEFAULT-VALUE}).")
        String vxlan;

        @Option(names = "--ipip", defaultValue = "Never", description = "The pod pool's ipipMode: Never, CrossSubnet or "
                + "Always (default: ${DEFAULT-VALUE}).")
        String ipip;

        @Option(names = "--nat", description = "natOutgoing on the pod pool: pods reaching addresses outside the pools are "
                + "masqueraded to their node's address.")
        boolean nat;

        @Option(names = "--tor", defaultValue = "none", description = "BGP mode: 'bird' puts a BIRD top-of-rack router on "
                + "each rack and a BIRD spine between them; nodes peer eBGP with their ToR, AS per rack (default: ${DEFAULT-VALUE}).")
        String tor;

        @Option(names = "--rr", defaultValue = "0", description = "BGP mode: nodes n1..nN are route reflectors and the "
                + "node-to-node mesh is off (default: ${DEFAULT-VALUE}).")
        int rr;

        @Option(names = "--ipv6", description = "Dual-stack: every segment also gets an IPv6 /64 (fd00:a:b:c::/64 beside "
                + "a.b.c.0/24), nodes an IPv6 address, and pods an IPv6 address from " + LabSpec.POD_CIDR_V6 + " too.")
        boolean ipv6;

        @Option(names = "--image", defaultValue = "", paramLabel = "IMAGE", description = "Run each node's pod of "
                + "deploy/kubernetes/viaduct.yaml (install-cni, bfdd, agent) from this container image with podman, e.g. "
                + "localhost/viaduct:dev (built by scripts/image); default: agents as processes.")
        String image;

        LabSpec spec(String name) {
            return new LabSpec(name, nodes, pods, subnet, podCidr, 26, mode, portmap, racks, vxlan, ipip, nat, tor, rr, ipv6, image);
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Bring up a lab and leave it running.")
    static final class Up implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @picocli.CommandLine.Mixin
        Shape shape = new Shape();

        @Override
        public Integer call() throws Exception {
            Lab lab = Lab.up(shape.spec(name.name), System.out);
            lab.printStatus();
            System.out.println("\nnext: viaduct lab check --name " + name.name + "; viaduct lab down --name " + name.name);
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = {"Ping every pod from every other pod; exit 1 if any pair fails.",
            "With --matrix --port 80/tcp: print which NAMESPACE/POD connects to which on that port (NetworkPolicy)."})
    static final class Check implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @Option(names = "--matrix", description = "Probe every pair of policy pods on --port and print the matrix.")
        boolean matrix;

        @Option(names = "--port", paramLabel = "PORT/PROTO", description = "With --matrix: the port, e.g. 80/tcp.")
        String port;

        @Option(names = "--timeout", defaultValue = "1s", paramLabel = "DURATION", description = "With --matrix: per probe (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() throws Exception {
            if (matrix || port != null) {
                if (!matrix || port == null) {
                    System.err.println("viaduct lab check: --matrix and --port go together");
                    return Main.EXIT_USAGE;
                }
                return LabPolicyCommands.matrix(name.name, port, timeout);
            }
            Lab lab = Lab.open(name.name, System.out);
            Lab.Matrix m = lab.pingMatrix();
            m.print(System.out);
            if (!m.allOk()) {
                System.out.println("FAILED: " + m.failures());
                return 1;
            }
            System.out.println("all " + m.pods().size() * (m.pods().size() - 1) + " pod pairs reach each other");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Nodes, agents, pods and Viaduct's routes per node.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @Override
        public Integer call() throws Exception {
            Lab.open(name.name, System.out).printStatus();
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove everything the lab created.")
    static final class Down implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @Override
        public Integer call() throws Exception {
            List<String> problems = Lab.open(name.name, System.out).down();
            return problems.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Up, print each node's routes and the ping matrix, then down (always).")
    static final class Demo implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @picocli.CommandLine.Mixin
        Shape shape = new Shape();

        @Override
        public Integer call() throws Exception {
            Lab lab = Lab.up(shape.spec(name.name), System.out);
            // Ctrl-C after up: the finally below never runs, the hook does
            Thread hook = new Thread(lab::down, "lab-demo-down");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                for (String node : lab.nodes()) {
                    System.out.printf("%n%s$ ip route%n", node);
                    lab.allRoutes(node).forEach(r -> System.out.println("  " + r));
                }
                System.out.println();
                for (LabState.Pod p : lab.pods()) {
                    System.out.printf("pod %s/%s %s%n", p.node(), p.name(), String.join(",", p.ips()));
                }
                System.out.println("\nping matrix (row pings column):");
                Lab.Matrix m = lab.pingMatrix();
                m.print(System.out);
                System.out.println(m.allOk() ? "\nall pod pairs reach each other across nodes"
                        : "\nFAILED: " + m.failures());
                return m.allOk() ? 0 : 1;
            } finally {
                lab.down();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
        }
    }

    @Command(name = "pod", mixinStandardHelpOptions = true, description = {"Add or delete a pod (CNI ADD/DEL through the installed plugin).",
            "With --namespace: a Kubernetes-like pod NAMESPACE/POD with --labels and listeners on --ports (its store record",
            "is written first); 'pod label --namespace NS --pod POD k=v... k-' changes its labels."})
    static final class PodCmd implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name = new Name();

        @Parameters(index = "0", description = "add, del or label")
        String action;

        @Parameters(index = "1..*", paramLabel = "k=v", description = "label: labels to set (k=v) or remove (k-).")
        List<String> changes = new java.util.ArrayList<>();

        @Option(names = "--node", description = "Node, e.g. n1 (add; del without --namespace).")
        String node;

        @Option(names = "--pod", required = true, description = "Pod name, e.g. p9.")
        String pod;

        @Option(names = "--ip", description = "Static address (add only).")
        String ip;

        @Option(names = "--namespace", paramLabel = "NS", description = "The pod's Kubernetes namespace (policy pods).")
        String namespace;

        @Option(names = "--labels", split = ",", paramLabel = "k=v", description = "add: the pod's labels.")
        List<String> labels = new java.util.ArrayList<>();

        @Option(names = "--ports", paramLabel = "PORTS", description = "add: ports the pod answers on, e.g. 80/tcp,53/udp; "
                + "named ports as serve-80-tcp=80/tcp.")
        String ports;

        @Override
        public Integer call() throws Exception {
            if ("label".equals(action)) {
                if (namespace == null) {
                    System.err.println("viaduct lab pod label: needs --namespace");
                    return Main.EXIT_USAGE;
                }
                return LabPolicyCommands.labelPod(name.name, namespace, pod, changes);
            }
            if (namespace != null && "del".equals(action)) {
                return LabPolicyCommands.deletePod(name.name, namespace, pod);
            }
            if (node == null) {
                System.err.println("viaduct lab pod " + action + ": needs --node");
                return Main.EXIT_USAGE;
            }
            if (namespace != null && "add".equals(action)) {
                if (ip != null) {
                    System.err.println("viaduct lab pod add: --ip is not for policy pods (--namespace)");
                    return Main.EXIT_USAGE;
                }
                return LabPolicyCommands.addPod(name.name, node, namespace, pod, labels, ports);
            }
            Lab lab = Lab.open(name.name, System.out);
            switch (action) {
                case "add" -> {
                    var p = lab.addPod(node, pod, ip);
                    System.out.println("pod " + node + "/" + pod + " " + String.join(",", p.ips()));
                }
                case "del" -> {
                    var p = lab.pods().stream().filter(x -> x.node().equals(node) && x.name().equals(pod)).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("no pod " + node + "/" + pod));
                    lab.deletePod(p);
                    System.out.println("pod " + node + "/" + pod + " deleted");
                }
                default -> {
                    System.err.println("viaduct lab pod: action must be add or del, got '" + action + "'");
                    return Main.EXIT_USAGE;
                }
            }
            return 0;
        }
    }
}
