package dev.viaduct.cli;

import dev.viaduct.ctl.BgpRoutesReport;
import dev.viaduct.ctl.CtlException;
import dev.viaduct.ctl.Report;
import dev.viaduct.ctl.SpeakerClient;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code viaduct ctl bgp peers|routes}: ask a standalone speaker ({@code viaduct bgp}) through its HTTP endpoint,
 * as {@code birdc show protocols / show route} or {@code gobgp neighbor / global rib} do. Exit codes as the other
 * ctl commands: 0 ok, 1 a session not Established (peers), 2 usage (also a query the speaker refuses), 3 the
 * speaker unreachable.
 */
@Command(name = "bgp", mixinStandardHelpOptions = true,
        description = "Ask a standalone speaker (viaduct bgp) for its peers and routes.",
        subcommands = {CtlBgpCommand.Peers.class, CtlBgpCommand.Routes.class})
final class CtlBgpCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the speaker is and how to print; on every ctl bgp subcommand. */
    static final class Speaker {
        @Option(names = "--speaker", paramLabel = "URL",
                description = "The speaker's HTTP endpoint, its http.listen (default: $VIADUCT_SPEAKER, else http://127.0.0.1:9179).")
        String speaker;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table (default) or json.")
        String output;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
                description = "How long to wait for the speaker, e.g. 5s or 500ms (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec mixee;

        SpeakerClient client() {
            String url = Optional.ofNullable(speaker)
                    .orElse(Optional.ofNullable(System.getenv("VIADUCT_SPEAKER")).filter(s -> !s.isBlank()).orElse("http://127.0.0.1:9179"));
            URI u = CtlCommand.httpUrl(mixee.commandLine(), "--speaker", url);
            return new SpeakerClient(u, CtlCommand.duration(mixee.commandLine(), "--timeout", timeout));
        }

        /** Runs {@code op}, prints its report (or streams JSON through), returns the exit code. */
        int run(Function<SpeakerClient, Report> op, Function<SpeakerClient, InputStream> rawJson) {
            PrintWriter out = mixee.commandLine().getOut();
            boolean json = CtlCommand.json(mixee.commandLine(), output);
            SpeakerClient c = client();
            try {
                if (json && rawJson != null) {
                    try (InputStream in = rawJson.apply(c)) {
                        // as the speaker streams it: a million routes never sit in this process at once
                        new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8).transferTo(out);
                        out.flush();
                    }
                    return CtlException.OK;
                }
                return CtlCommand.print(out, op.apply(c), json);
            } catch (CtlException e) {
                PrintWriter err = mixee.commandLine().getErr();
                err.println(CtlCommand.qualifiedName(mixee.commandLine()) + ": " + e.getMessage());
                err.flush();
                return e.exitCode();
            } catch (java.io.IOException e) {
                PrintWriter err = mixee.commandLine().getErr();
                err.println(CtlCommand.qualifiedName(mixee.commandLine()) + ": reading the speaker's answer: " + e.getMessage());
                err.flush();
                return CtlException.UNREACHABLE;
            }
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true,
            description = "The speaker's sessions: state, uptime, prefixes received/accepted/advertised, last error. Exit 1 if one is not Established.")
    static final class Peers implements Callable<Integer> {
        @Mixin
        Speaker s = new Speaker();

        @Override
        public Integer call() {
            return s.run(SpeakerClient::peers, null);
        }
    }

    @Command(name = "routes", mixinStandardHelpOptions = true,
            description = {"The speaker's Loc-RIB: every candidate of the matching prefixes, '*' best, '=' equal-cost, 's' stale.",
                    "Prefixes in prefix order, the first --limit of them; says how many matched."})
    static final class Routes implements Callable<Integer> {
        @Mixin
        Speaker s = new Speaker();

        @Option(names = "--prefix", paramLabel = "PREFIX",
                description = "Only prefixes inside this one, itself included (e.g. 10.0.0.0/8; an IPv6 prefix selects ipv6-unicast).")
        String prefix;

        @Option(names = "--peer", paramLabel = "ADDRESS", description = "Only routes learned from this peer.")
        String peer;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "At most N prefixes (0: all; default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            CommandLine cmd = s.mixee.commandLine();
            if (prefix != null) {
                try {
                    IpPrefix.parse(prefix);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cmd, "--prefix: '" + prefix + "' is not a prefix like 10.0.0.0/8");
                }
            }
            if (peer != null) {
                try {
                    IpAddresses.parse(peer);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cmd, "--peer: '" + peer + "' is not an IP address");
                }
            }
            if (limit < 0) {
                throw new CommandLine.ParameterException(cmd, "--limit: must be 0 (all) or positive");
            }
            String query = SpeakerClient.routesQuery(prefix, peer, limit);
            return s.run(c -> {
                try (InputStream in = c.routes(query)) {
                    return new BgpRoutesReport(CtlCommand.Json.MAPPER.readTree(in));
                } catch (java.io.IOException e) {
                    throw CtlException.unreachable("reading the speaker's answer: " + e.getMessage(), e);
                }
            }, c -> c.routes(query));
        }
    }
}
