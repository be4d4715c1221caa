package dev.viaduct.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Exercises the launcher's common start-up paths once so a JDK AOT cache recorded during this run
 * ({@code -XX:AOTCacheOutput}) holds the classes every invocation loads: picocli's model building and
 * parsing, help rendering and the version provider. bin/viaduct runs it after each build.
 */
@Command(name = "aot-train", hidden = true, description = "Record start-up classes for the AOT cache (run by bin/viaduct).")
final class AotTrainingCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        StringWriter sink = new StringWriter();
        PrintWriter w = new PrintWriter(sink);
        Main.run(new String[] {"--version"}, w, w);
        Main.run(new String[] {"--help"}, w, w);
        Main.run(new String[] {"nonsense"}, w, w);
        for (String sub : Main.commandLine().getSubcommands().keySet()) {
            if (!sub.equals("aot-train")) {
                Main.run(new String[] {sub, "--help"}, w, w);
            }
        }
        w.flush();
        return sink.getBuffer().isEmpty() ? 1 : 0;
    }
}
