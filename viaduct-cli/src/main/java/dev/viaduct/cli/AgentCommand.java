package dev.viaduct.cli;

import dev.viaduct.agent.Agent;
import dev.viaduct.agent.config.AgentConfig;
import dev.viaduct.ops.config.ConfigException;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code viaduct agent [--config FILE]}: runs the node agent until SIGTERM/SIGINT. Any setting can also come
 * from a {@code VIADUCT_*} environment variable, which wins over the file; without a file the environment is
 * the whole configuration.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the node agent (CNI endpoint, routes, node registration).")
final class AgentCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Agent configuration (YAML, or JSON when the name ends in .json). VIADUCT_* environment "
                    + "variables override it (VIADUCT_NODE_NAME, VIADUCT_DATASTORE_ENDPOINTS, ...); without it they are the whole configuration.")
    Path config;

    @Option(names = "--check-config", description = "Validate the configuration file and exit.")
    boolean checkOnly;

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = config != null ? AgentConfig.load(config) : AgentConfig.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            System.err.println("viaduct agent: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (checkOnly) {
            System.out.println((config != null ? config : "environment") + ": ok (node " + cfg.nodeName() + ", mode " + cfg.cluster().mode() + ")");
            return 0;
        }
        LogSetup.install(cfg.log().format(), cfg.log().level());
        // In BGP mode the agent's first speaker starts on its own thread once the store is read; the warm-up and
        // its collection run there, just before it (JVM-wide housekeeping is the binary's, see BgpWarmup).
        Agent agent = new Agent(cfg, () -> BgpWarmup.beforeFirstSpeaker(SpeakerConfig.DEFAULT_JIT_WARMUP_ROUTES));
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
        try {
            agent.start();
        } catch (Exception e) {
            System.getLogger("viaduct.agent").log(System.Logger.Level.ERROR, "agent failed to start: " + e.getMessage(), e);
            agent.close();
            System.err.println("viaduct agent: failed to start: " + e.getMessage());
            return 1;
        }
        agent.awaitStop();
        return 0;
    }
}
