package dev.viaduct.agent.nat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link Nft} by running the {@code nft} binary (Debian package {@code nftables}) in the agent's network
 * namespace. The binary is found once, on {@code PATH} or in {@code /usr/sbin} and {@code /sbin} (where Debian
 * puts it, often off a non-root PATH); a missing binary is reported, never guessed around.
 *
 * <p>Thread-safe: every call runs its own process.
 */
public final class NftCommand implements Nft {
    private static final long TIMEOUT_SECONDS = 20;
    private final List<String> prefix;
    private final String missing;

    private NftCommand(List<String> prefix, String missing) {
        this.prefix = List.copyOf(prefix);
        this.missing = missing;
    }

    /** The system's nft, or one that reports why it is unavailable. */
    public static NftCommand locate() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "nft"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/nft"));
        candidates.add(Path.of("/sbin/nft"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return new NftCommand(List.of(p.toString()), "");
            }
        }
        return new NftCommand(List.of("nft"), "the nft binary was not found on PATH or in /usr/sbin, /sbin: natOutgoing needs "
                + "nftables (Debian: apt-get install nftables)");
    }

    /** nft run through {@code argvPrefix} (e.g. {@code ip netns exec NS nft}) — for tests in a namespace. */
    public static NftCommand withArgv(List<String> argvPrefix) {
        return new NftCommand(argvPrefix, "");
    }

    @Override
    public String unavailableReason() {
        return missing;
    }

    @Override
    public void apply(String script) throws NftException {
        Result r = run(script, "-f", "-");
        if (r.exit != 0) {
            throw new NftException("nft -f - exited " + r.exit + ": " + r.stderr.strip());
        }
    }

    @Override
    public Optional<String> listTable(String family, String table) throws NftException {
        Result r = run(null, "-j", "list", "table", family, table);
        if (r.exit == 0) {
            return Optional.of(r.stdout);
        }
        // nft's own wording for a missing table (ENOENT from the kernel)
        if (r.stderr.contains("No such file or directory")) {
            return Optional.empty();
        }
        throw new NftException("nft -j list table " + family + " " + table + " exited " + r.exit + ": " + r.stderr.strip());
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private Result run(String stdin, String... args) throws NftException {
        if (!missing.isEmpty()) {
            throw new NftException(missing);
        }
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NftException(String.join(" ", argv) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new NftException("cannot run " + String.join(" ", argv) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NftException("interrupted running nft");
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        return f;
    }
}
