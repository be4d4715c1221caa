package dev.viaduct.cli;

import dev.viaduct.agent.config.AgentConfig;
import dev.viaduct.ops.config.ConfigException;
import dev.viaduct.ctl.AgentClient;
import dev.viaduct.ctl.ClusterReader;
import dev.viaduct.ctl.Ctl;
import dev.viaduct.ctl.CtlException;
import dev.viaduct.ctl.HttpAgentClient;
import dev.viaduct.ctl.PolicyStore;
import dev.viaduct.ctl.Report;
import dev.viaduct.ctl.StoreClusterReader;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.Declined;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.store.etcd.EtcdGatewayDatastore;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code viaduct ctl}: see what the network is doing and why a pod cannot reach another. Talks to etcd (node
 * records, IPAM) and to agents' HTTP endpoints ({@code /status}). The work is in {@code dev.viaduct.ctl};
 * this class parses options, builds the clients and prints the report as a table or JSON. Exit codes: 0 ok,
 * 1 problem found, 2 usage error, 3 etcd or an agent unreachable.
 *
 * <p>Subcommands are registered as {@link Main}'s are ({@link Main#addSubcommands}): only the one the command line
 * names, since picocli reflects over every registered command class and its options.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
        description = "Inspect and diagnose a Viaduct cluster: nodes, routes (desired vs kernel), BGP peers, IPAM, pod-to-pod paths.",
        footer = {"", "Exit codes: 0 ok, 1 problem found (not ready, routes differ, IPAM inconsistent, path broken),",
                "2 usage error, 3 etcd or an agent could not be reached.",
                "etcd: --etcd URL[,URL] (or $VIADUCT_ETCD, default http://127.0.0.1:2379), or --config AGENT_CONFIG for TLS/auth.",
                "Agents: --agent URL for the local one (or $VIADUCT_AGENT, default http://127.0.0.1:9099); --node N asks node N's agent.",
                "Standalone speakers (ctl bgp): --speaker URL (or $VIADUCT_SPEAKER, default http://127.0.0.1:9179)."})
final class CtlCommand implements Runnable {
    /** The subcommands in usage order; each built only when the command line needs it. */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("nodes", Nodes::new);
        SUBCOMMANDS.put("routes", Routes::new);
        SUBCOMMANDS.put("peers", Peers::new);
        SUBCOMMANDS.put("ipam", IpamCmd::new);
        SUBCOMMANDS.put("explain", Explain::new);
        SUBCOMMANDS.put("bgp", CtlBgpCommand::new);
        SUBCOMMANDS.put("policy", CtlPolicyCommand::new);
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** How ctl reaches etcd and agents, and how it prints; on every ctl subcommand. */
    static final class Connection {
        @Option(names = "--etcd", split = ",", paramLabel = "URL",
                description = "etcd endpoints (default: $VIADUCT_ETCD, else http://127.0.0.1:2379).")
        List<String> etcd;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Read etcd endpoints, prefix, TLS and credentials (and the agent's http.listen) from an agent config file.")
        Path config;

        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Key prefix in etcd (default: /viaduct/v1).")
        String prefix;

        @Option(names = "--agent", paramLabel = "URL",
                description = "The local agent's HTTP endpoint (default: $VIADUCT_AGENT, else http://127.0.0.1:9099).")
        String agent;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table (default) or json.")
        String output;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
                description = "How long to wait for etcd and each agent, e.g. 5s or 500ms (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec mixee;

        /** Where to print when {@link CtlShortcut} parsed the command line (then {@code mixee} is null). */
        CtlShortcut.Streams streams;

        private AgentConfig agentConfig;

        /** The command line for usage errors; null when {@link CtlShortcut} parsed it (see {@link #usageError}). */
        CommandLine cmd() {
            return mixee == null ? null : mixee.commandLine();
        }

        Duration timeout() {
            return duration(cmd(), "--timeout", timeout);
        }

        /** {@code --reclaim-after}, else the agent config's {@code ipam.reclaimAfter}, else the agents' default. */
        Duration reclaimAfter(String option) {
            if (option == null) {
                return agentConfig() != null ? agentConfig().ipam().reclaimAfter() : Ctl.DEFAULT_RECLAIM_AFTER;
            }
            try {
                return dev.viaduct.ops.config.Durations.parse("--reclaim-after", option);
            } catch (ConfigException e) {
                throw usageError(cmd(), e.getMessage());
            }
        }

        boolean json() {
            return CtlCommand.json(cmd(), output);
        }

        private AgentConfig agentConfig() {
            if (config != null && agentConfig == null) {
                try {
                    agentConfig = AgentConfig.load(config);
                } catch (ConfigException e) {
                    throw usageError(cmd(), "--config: " + e.getMessage());
                }
            }
            return agentConfig;
        }

        URI localAgent() {
            String url = agent;
            if (url == null && config != null) {
                var h = agentConfig().http();
                url = dev.viaduct.agent.ops.StatusJson.agentUrl(h.listenHost(), h.listenPort(), List.of(IpPrefix.parse("127.0.0.1/8")))
                        .orElse(null);
            }
            if (url == null) {
                url = environment("VIADUCT_AGENT", "http://127.0.0.1:9099");
            }
            return httpUrl(cmd(), "--agent", url);
        }

        /**
         * The environment variable {@code name} unless unset or blank, else {@code otherwise}. Without a lambda: one
         * the AOT cache does not hold (its training gives --etcd and --agent) is spun at run time, and the first one
         * sets up the JDK's class-file API, ~3 ms of a short command.
         */
        private static String environment(String name, String otherwise) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? otherwise : v;
        }

        StoreOptions storeOptions() {
            StoreOptions so;
            try {
                if (config != null) {
                    var d = agentConfig().datastore();
                    so = StoreOptions.of(etcd != null ? etcd : d.endpoints()).withPrefix(prefix != null ? prefix : d.prefix());
                    if (d.caFile().isPresent() || d.certFile().isPresent()) {
                        so = so.withTls(d.caFile().orElse(null), d.certFile().orElse(null), d.keyFile().orElse(null));
                    }
                    if (d.username().isPresent()) {
                        so = so.withCredentials(d.username().get(), d.password().orElseThrow());
                    }
                } else {
                    List<String> eps = etcd != null ? etcd
                            : List.of(environment("VIADUCT_ETCD", "http://127.0.0.1:2379").split(","));
                    so = StoreOptions.of(eps).withPrefix(prefix != null ? prefix : Keys.DEFAULT_PREFIX);
                }
                return so.withTimeouts(timeout(), timeout());
            } catch (IllegalArgumentException e) {
                throw usageError(cmd(), e.getMessage());
            }
        }

        /**
         * etcd through its JSON gateway ({@link EtcdGatewayDatastore}: a command's few requests do not need gRPC's
         * start-up cost), or through jetcd when the endpoints are https:// (client certificates).
         */
        Datastore openStore(StoreOptions so) {
            String where = String.join(",", so.endpoints());
            if (so.tls() && CtlCommand.class.getClassLoader().getResource("io/etcd/jetcd/Client.class") == null) {
                // bin/viaduct's short class path (viaduct-short.jar) has no jetcd; it picks the full one when the
                // command line, $VIADUCT_ETCD or the --config file mention https://, so this is a missed case
                throw usageError(cmd(), "etcd at " + where
                        + " needs TLS, which this class path (viaduct-short.jar) cannot do: give the https:// endpoints"
                        + " with --etcd or $VIADUCT_ETCD");
            }
            if (so.tls()) {
                // jetcd logs through slf4j to java.util.logging, which DeferredLogger's floor does not reach
                java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
            }
            try {
                return so.tls() ? EtcdDatastore.connect(so) : EtcdGatewayDatastore.connect(so);
            } catch (StoreException e) {
                throw CtlException.unreachable(e.tryAgain() ? "cannot reach etcd at " + where + ": " + e.getMessage()
                        : "etcd at " + where + " refused ctl: " + e.getMessage(), e);
            }
        }

        ClusterReader openCluster() {
            StoreOptions so = storeOptions();
            return new StoreClusterReader(openStore(so), new Keys(so.prefix()), String.join(",", so.endpoints()));
        }

        /**
         * Runs {@code op} on the policy records (no agent involved), prints its report, returns the exit code;
         * a store failure is exit 3, like every ctl command.
         */
        int runPolicy(Function<PolicyStore, Report> op) {
            StoreOptions so = storeOptions();
            return report(() -> {
                try (Datastore store = openStore(so)) {
                    return op.apply(new PolicyStore(store, new Keys(so.prefix())));
                } catch (StoreException e) {
                    throw CtlException.unreachable("etcd at " + String.join(",", so.endpoints()) + ": " + e.getMessage(), e);
                }
            });
        }

        AgentClient agents() {
            return new HttpAgentClient(timeout());
        }

        /** Runs {@code op} with a fresh {@link Ctl}, prints its report, returns the exit code. */
        int run(Function<Ctl, Report> op) {
            URI local = localAgent();
            return report(() -> {
                try (Ctl ctl = new Ctl(this::openCluster, agents(), local)) {
                    return op.apply(ctl);
                }
            });
        }

        /** Prints what {@code op} reports (table or JSON), or its {@link CtlException}; returns the exit code. */
        private int report(Supplier<Report> op) {
            PrintWriter out = streams != null ? streams.out() : mixee.commandLine().getOut();
            PrintWriter err = streams != null ? streams.err() : mixee.commandLine().getErr();
            boolean json = json();
            // warnings only: INFO chatter is not what a person asking a question wants on their terminal. Viaduct's
            // loggers drop the rest without loading the logging backend at all (openStore tells jetcd's the same)
            DeferredLogger.floor(System.Logger.Level.WARNING);
            try {
                return print(out, op.get(), json);
            } catch (CtlException e) {
                if (json) {
                    out.println(JsonTrees.writePretty(JsonTrees.object().put("error", e.getMessage()).put("exitCode", e.exitCode())));
                    out.flush();
                }
                err.println((streams != null ? streams.command() : qualifiedName(mixee.commandLine())) + ": " + e.getMessage());
                err.flush();
                return e.exitCode();
            }
        }
    }

    /**
     * Built on first use: `viaduct --version` must not pay for Jackson's ~400 classes (start time matters). The
     * store's mapper, so that one ctl command builds one mapper (each builds its own caches and date formats).
     */
    static final class Json {
        static final JsonMapper MAPPER = JsonCodec.mapper();
    }

    /** {@code -o table|json}: whether JSON, or a usage error. */
    static boolean json(CommandLine cmd, String output) {
        return switch (output) {
            case "json" -> true;
            case "table" -> false;
            default -> throw usageError(cmd, "--output: '" + output + "' must be table or json");
        };
    }

    /** An {@code http://host:port} option, or a usage error naming {@code option}. */
    static URI httpUrl(CommandLine cmd, String option, String url) {
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("not an http:// URL");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw usageError(cmd, option + ": '" + url + "' is not http://host:port");
        }
    }

    /** Prints a report as a table or pretty JSON; its exit code. */
    static int print(PrintWriter out, Report r, boolean json) {
        if (json) {
            out.println(JsonTrees.writePretty(r.json()));
        } else {
            r.printTable(out);
        }
        out.flush();
        return r.exitCode();
    }

    /** A duration option like 5s or 500ms, or a usage error naming {@code option}. */
    static Duration duration(CommandLine cmd, String option, String text) {
        String t = text.strip();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw usageError(cmd, option + ": '" + text + "' is not a duration like 5s or 500ms");
    }

    /**
     * A usage error: picocli's, for {@code cmd}; for a command line {@link CtlShortcut} parsed ({@code cmd} null), its
     * hand-back, so that picocli parses the line again and reports the error in its words.
     */
    static RuntimeException usageError(CommandLine cmd, String message) {
        return cmd == null ? Declined.INSTANCE : new CommandLine.ParameterException(cmd, message);
    }

    static String qualifiedName(CommandLine cmd) {
        String name = cmd.getCommandName();
        for (CommandLine p = cmd.getParent(); p != null; p = p.getParent()) {
            name = p.getCommandName() + " " + name;
        }
        return name;
    }

    /** Numeric IP literals only: no DNS lookups from a diagnostic tool. */
    static final class IpConverter implements CommandLine.ITypeConverter<InetAddress> {
        @Override
        public InetAddress convert(String value) {
            try {
                return IpAddresses.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an IP address");
            }
        }
    }

    static final class CidrConverter implements CommandLine.ITypeConverter<IpPrefix> {
        @Override
        public IpPrefix convert(String value) {
            try {
                IpPrefix c = IpPrefix.parse(value);
                if (!value.contains("/")) {
                    throw new IllegalArgumentException("no prefix length");
                }
                return c;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a CIDR like 10.244.0.0/16");
            }
        }
    }

    @Command(name = "nodes", mixinStandardHelpOptions = true,
            description = "Every node: addresses, mode, whether its agent is ready, pods and IPAM blocks. Exit 1 if any is not ready.")
    static final class Nodes implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @Override
        public Integer call() {
            return c.run(Ctl::nodes);
        }
    }

    static class Which {
        @Option(names = "--node", paramLabel = "NODE", description = "Ask this node's agent (found through its node record in etcd).")
        String node;

        @Option(names = "--all", description = "Ask every node's agent.")
        boolean all;
    }

    @Command(name = "routes", mixinStandardHelpOptions = true,
            description = {"Routes the agent wants against the routes the kernel has, differences marked with '!'.",
                    "States: ok, missing, differs, foreign (a route Viaduct does not own holds the destination), extra (stale).",
                    "Exit 1 if any differ."})
    static final class Routes implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @Mixin
        Which which = new Which();

        @Override
        public Integer call() {
            return c.run(ctl -> ctl.routes(Optional.ofNullable(which.node), which.all));
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true,
            description = "BGP sessions: state, uptime, prefixes received/accepted/advertised. Exit 1 if a session is not Established.")
    static final class Peers implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @Mixin
        Which which = new Which();

        @Override
        public Integer call() {
            return c.run(ctl -> ctl.peers(Optional.ofNullable(which.node), which.all));
        }
    }

    @Command(name = "ipam", mixinStandardHelpOptions = true, description = "Address management: show, check, release.",
            subcommands = {IpamShow.class, IpamCheck.class, IpamRelease.class})
    static final class IpamCmd implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Pools and blocks; or one pool (--pool), one node's blocks and addresses (--node), one address (--ip).")
    static final class IpamShow implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @CommandLine.ArgGroup(exclusive = true)
        Filter filter;

        static final class Filter {
            @Option(names = "--pool", paramLabel = "CIDR", converter = CidrConverter.class, description = "One pool and its blocks.")
            IpPrefix pool;

            @Option(names = "--node", paramLabel = "NODE", description = "One node's blocks and the addresses it allocated.")
            String node;

            @Option(names = "--ip", paramLabel = "IP", converter = IpConverter.class, description = "One address: pool, block, pod.")
            InetAddress ip;
        }

        @Override
        public Integer call() {
            Filter f = filter == null ? new Filter() : filter;
            return c.run(ctl -> ctl.ipamShow(Optional.ofNullable(f.pool), Optional.ofNullable(f.node), Optional.ofNullable(f.ip)));
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Consistency of blocks, handles and nodes: leaks, double listings, blocks of vanished nodes. Exit 1 on findings.",
                    "Also lists the nodes the reclaimer would reclaim, now or when, and why."})
    static final class IpamCheck implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @Option(names = "--reclaim-after", paramLabel = "DURATION",
                description = "The agents' ipam.reclaimAfter (default: from --config, else 10m), e.g. 10m or 30s.")
        String reclaimAfter;

        @Override
        public Integer call() {
            return c.run(ctl -> ctl.ipamCheck(c.reclaimAfter(reclaimAfter)));
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Release one address (e.g. a leak 'ipam check' found), or everything of a gone node.",
                    "Refuses an address whose pod its node's agent still serves, or a node that has a node record, unless --force."})
    static final class IpamRelease implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        What what = new What();

        static final class What {
            @Option(names = "--ip", paramLabel = "IP", converter = IpConverter.class, description = "The address.")
            InetAddress ip;

            @Option(names = "--node", paramLabel = "NODE", description = "Every handle and block of this node.")
            String node;
        }

        @Option(names = "--dry-run", description = "Change nothing; say what would be released.")
        boolean dryRun;

        @Option(names = "--force", description = "Release even if a live pod holds it (or the node has a node record), or liveness cannot be checked.")
        boolean force;

        @Override
        public Integer call() {
            return what.node != null ? c.run(ctl -> ctl.ipamReleaseNode(what.node, dryRun, force))
                    : c.run(ctl -> ctl.ipamRelease(what.ip, dryRun, force));
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = {"Walk the path between two pod addresses in both directions: which node holds each, the route",
                    "on every hop (tunnel or not), the delivery to the pod; name the first missing piece. Exit 1 if broken.",
                    "With --from NS/POD --to NS/POD --port 80/tcp: the NetworkPolicy verdict instead, per direction the",
                    "policies selecting the pod and the rule allowing the connection or 'no rule allows it'. Exit 1 if blocked."})
    static final class Explain implements Callable<Integer> {
        @Mixin
        Connection c = new Connection();

        @Parameters(index = "0", arity = "0..1", paramLabel = "POD_IP_A", converter = IpConverter.class, description = "Source pod address.")
        InetAddress a;

        @Parameters(index = "1", arity = "0..1", paramLabel = "POD_IP_B", converter = IpConverter.class, description = "Destination pod address.")
        InetAddress b;

        @Option(names = "--from", paramLabel = "NS/POD", description = "Source pod (policy verdict).")
        String from;

        @Option(names = "--to", paramLabel = "NS/POD", description = "Destination pod (policy verdict).")
        String to;

        @Option(names = "--port", paramLabel = "PORT/PROTO", description = "Destination port, e.g. 80/tcp or 53/udp (policy verdict).")
        String port;

        @Override
        public Integer call() {
            if (from != null || to != null || port != null) {
                if (from == null || to == null || port == null || a != null) {
                    throw new CommandLine.ParameterException(c.mixee.commandLine(),
                            "a policy verdict needs --from NS/POD, --to NS/POD and --port PORT/PROTO (and no addresses)");
                }
                return CtlPolicyCommand.explain(c, from, to, port);
            }
            if (a == null || b == null) {
                throw new CommandLine.ParameterException(c.mixee.commandLine(), "give two pod addresses, or --from, --to and --port");
            }
            if (a.getAddress().length != b.getAddress().length) {
                throw new CommandLine.ParameterException(c.mixee.commandLine(),
                        a.getHostAddress() + " and " + b.getHostAddress() + " are of different address families");
            }
            return c.run(ctl -> ctl.explain(a, b));
        }
    }
}
