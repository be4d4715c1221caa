package dev.viaduct.cli;

import dev.viaduct.ctl.CtlException;
import dev.viaduct.ctl.PolicyExplanation;
import dev.viaduct.ctl.PolicyStore;
import dev.viaduct.ctl.PortSpec;
import dev.viaduct.ctl.TextReport;
import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.eval.Evaluator;
import dev.viaduct.policy.eval.Traffic;
import dev.viaduct.policy.eval.Transport;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.sys.net.IpAddresses;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct ctl policy apply|delete|list|show}: the NetworkPolicy records agents enforce, written and read
 * as the Kubernetes API has them. {@code apply} validates every object the way the API server does and writes
 * all of them in one transaction, or nothing.
 */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Apply, delete, list and show NetworkPolicies.",
        subcommands = {CtlPolicyCommand.Apply.class, CtlPolicyCommand.Delete.class, CtlPolicyCommand.ListCmd.class,
                CtlPolicyCommand.Show.class})
final class CtlPolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code NS/NAME} → its two parts; a usage error otherwise (see {@link CtlCommand#usageError}). */
    static String[] id(CommandLine cmd, String what, String text) {
        String[] parts = text.split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw CtlCommand.usageError(cmd, what + ": '" + text + "' is not NAMESPACE/NAME");
        }
        return parts;
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Create or replace NetworkPolicies from a YAML or JSON file (one object, a List, or several YAML",
                    "documents). Every object is validated as the API server would; on any error nothing is written",
                    "and the errors are printed (exit 1)."})
    static final class Apply implements Callable<Integer> {
        @Mixin
        CtlCommand.Connection c = new CtlCommand.Connection();

        @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "The file ('-' for stdin).")
        String file;

        @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NS",
                description = "Namespace of objects that name none (default: ${DEFAULT-VALUE}).")
        String namespace;

        @Override
        public Integer call() throws IOException {
            String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
            List<NetworkPolicy> policies;
            try {
                policies = NetworkPolicyReader.read(text, namespace);
            } catch (PolicyValidationException e) {
                c.mixee.commandLine().getErr().println(e.getMessage());
                c.mixee.commandLine().getErr().flush();
                return CtlException.PROBLEM;
            }
            return c.runPolicy(store -> {
                StringBuilder sb = new StringBuilder();
                ArrayNode arr = JsonTrees.array();
                for (PolicyStore.Applied a : store.apply(policies)) {
                    sb.append(a.line()).append('\n');
                    arr.addObject().put("namespace", a.policy().namespace()).put("name", a.policy().name()).put("outcome", a.outcome());
                }
                return new TextReport(sb.toString(), arr, CtlException.OK);
            });
        }
    }

    /** A subcommand about one policy, {@code NS/NAME}. */
    abstract static class OnePolicy {
        @Mixin
        CtlCommand.Connection c = new CtlCommand.Connection();

        @Parameters(index = "0", paramLabel = "NS/NAME")
        String target;
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a NetworkPolicy (exit 1 if there is none).")
    static final class Delete extends OnePolicy implements Callable<Integer> {
        @Override
        public Integer call() {
            String[] id = id(c.mixee.commandLine(), "NS/NAME", target);
            return c.runPolicy(store -> {
                boolean gone = store.deletePolicy(id[0], id[1]);
                ObjectNode o = JsonTrees.object().put("namespace", id[0]).put("name", id[1]).put("deleted", gone);
                return new TextReport(gone ? "networkpolicy.networking.k8s.io/" + id[1] + " deleted (namespace " + id[0] + ")\n"
                        : "no NetworkPolicy " + target + "\n", o, gone ? CtlException.OK : CtlException.PROBLEM);
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every NetworkPolicy: namespace, name, pod selector, policy types.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        CtlCommand.Connection c = new CtlCommand.Connection();

        @Override
        public Integer call() {
            return c.runPolicy(store -> {
                PolicyStore.Policies ps = store.policies();
                StringBuilder sb = new StringBuilder(String.format("%-20s %-30s %-30s %s%n", "NAMESPACE", "NAME", "POD-SELECTOR", "TYPES"));
                ArrayNode arr = JsonTrees.array();
                for (NetworkPolicy p : ps.policies()) {
                    String sel = p.spec().podSelector().canonical();
                    String types = String.join(",", p.spec().effectiveTypes().stream().map(Enum::name).toList());
                    sb.append(String.format("%-20s %-30s %-30s %s%n", p.namespace(), p.name(), sel, types));
                    arr.addObject().put("namespace", p.namespace()).put("name", p.name()).put("podSelector", sel).put("types", types);
                }
                ps.bad().forEach((k, why) -> sb.append("unreadable record ").append(k).append(": ").append(why).append('\n'));
                return new TextReport(sb.toString(), arr, ps.bad().isEmpty() ? CtlException.OK : CtlException.PROBLEM);
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One NetworkPolicy as stored (JSON).")
    static final class Show extends OnePolicy implements Callable<Integer> {
        @Override
        public Integer call() {
            String[] id = id(c.cmd(), "NS/NAME", target);
            return c.runPolicy(store -> {
                Optional<String> rec = store.policyRecord(id[0], id[1]);
                if (rec.isEmpty()) {
                    throw CtlException.problem("no NetworkPolicy " + target);
                }
                var tree = JsonTrees.read(rec.get());
                return new TextReport(JsonTrees.writePretty(tree) + "\n", tree, CtlException.OK);
            });
        }
    }

    /** {@code ctl explain --from --to --port}: the reference evaluator's verdict on the cluster the agents compile. */
    static int explain(CtlCommand.Connection c, String from, String to, String port) {
        CommandLine cmd = c.mixee.commandLine();
        String[] src = id(cmd, "--from", from);
        String[] dst = id(cmd, "--to", to);
        PortSpec p;
        try {
            p = PortSpec.parse("--port", port);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        return c.runPolicy(store -> {
            Cluster cluster = store.cluster();
            Pod a = pod(cluster, src[0] + "/" + src[1], null);
            Pod b = pod(cluster, dst[0] + "/" + dst[1], a.ips().getFirst() instanceof Inet4Address);
            InetAddress sa = a.ips().stream().filter(x -> x.getClass() == b.ips().getFirst().getClass()).findFirst().orElseThrow();
            InetAddress da = b.ips().getFirst();
            var verdict = new Evaluator(cluster).evaluate(new Traffic(sa, da, Transport.of(p.protocol()), p.port()));
            return new PolicyExplanation(a.id(), IpAddresses.format(sa), b.id(), IpAddresses.format(da), p.text(), verdict);
        });
    }

    /** The pod {@code id} with an address (of the family {@code v4}, when given); a CtlException naming what is missing. */
    private static Pod pod(Cluster c, String id, Boolean v4) {
        List<Pod> found = c.pods().stream().filter(p -> p.id().equals(id) && !p.ips().isEmpty()).toList();
        if (found.isEmpty()) {
            throw CtlException.problem("no pod " + id + " with an address (pods are known from IPAM handles naming them)");
        }
        if (v4 == null) {
            return found.getFirst();
        }
        return found.stream().filter(p -> p.ips().stream().anyMatch(a -> (a instanceof Inet4Address) == v4)).findFirst()
                .map(p -> new Pod(p.namespace(), p.name(), p.labels(),
                        p.ips().stream().filter(a -> (a instanceof Inet4Address) == v4).toList(), p.node(), p.hostVeth(), p.ports()))
                .orElseThrow(() -> CtlException.problem("pod " + id + " has no " + (v4 ? "IPv4" : "IPv6") + " address"));
    }
}
