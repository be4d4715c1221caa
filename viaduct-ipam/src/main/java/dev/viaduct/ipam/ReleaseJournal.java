package dev.viaduct.ipam;

import dev.viaduct.sys.log.DeferredLogger;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Releases by handle that are owed to the store: a pod was deleted while the store could not be reached, so
 * its handle is written down on the node and released once the store answers ({@link DeferredReleases}).
 * One file per handle in a directory, named by the SHA-256 of the handle (a handle may be 512 characters, a
 * file name only 255 bytes) and holding {@code handle=…} and {@code recorded=…} lines. A record is written to
 * a temporary file, fsynced, renamed into place and the directory fsynced, so after a crash it is either
 * there whole or not at all; a file that does not parse is reported and kept, never guessed at.
 *
 * <p>Where it lives decides what it survives: on tmpfs ({@code /run}) an agent restart but not a reboot; on
 * disk ({@code /var/lib/viaduct}, the agent's default) a reboot too, so the addresses of pods that died with
 * the node are still given back when it comes up and reaches the store.
 *
 * <p>Concurrency: thread-safe; records for one handle are serialised by the caller (the CNI handler's
 * per-handle lock, {@link DeferredReleases}'s lock), the in-memory index is a concurrent map.
 */
public final class ReleaseJournal {
    private static final System.Logger LOG = DeferredLogger.of(ReleaseJournal.class);
    private static final String SUFFIX = ".release";

    /** One owed release. */
    public record Entry(String handle, Instant recorded) {
    }

    private final Path dir;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private ReleaseJournal(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens (creating it 0700 if missing) the journal in {@code dir} and reads what an earlier agent left.
     *
     * @throws IOException when the directory cannot be created or read
     */
    public static ReleaseJournal open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        ReleaseJournal j = new ReleaseJournal(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                j.load(f).ifPresent(e -> j.entries.put(e.handle(), e));
            }
        }
        return j;
    }

    public Path dir() {
        return dir;
    }

    /** Writes down that {@code handle} is to be released; durable when this returns. Recording it twice keeps the first. */
    public void record(String handle, Instant now) throws IOException {
        if (entries.containsKey(handle)) {
            return;
        }
        Path f = fileOf(handle);
        Path tmp = dir.resolve("." + f.getFileName() + ".tmp");
        byte[] body = ("handle=" + handle + "\nrecorded=" + now + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(ByteBuffer.wrap(body));
            c.force(true);
        }
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDir();
        entries.put(handle, new Entry(handle, now));
    }

    /** The release of {@code handle} was carried out (or is no longer owed). */
    public void forget(String handle) throws IOException {
        Files.deleteIfExists(fileOf(handle));
        syncDir();
        entries.remove(handle);
    }

    public boolean owes(String handle) {
        return entries.containsKey(handle);
    }

    /** Every owed release, oldest first. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(entries.values());
        out.sort(Comparator.comparing(Entry::recorded).thenComparing(Entry::handle));
        return out;
    }

    public int size() {
        return entries.size();
    }

    private Optional<Entry> load(Path f) throws IOException {
        String handle = null;
        Instant recorded = null;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.startsWith("handle=")) {
                handle = line.substring("handle=".length());
            } else if (line.startsWith("recorded=")) {
                try {
                    recorded = Instant.parse(line.substring("recorded=".length()));
                } catch (DateTimeParseException e) {
                    recorded = null;
                }
            }
        }
        if (handle == null || handle.isEmpty() || recorded == null || !fileOf(handle).equals(f)) {
            LOG.log(System.Logger.Level.ERROR, "pending-release record {0} does not parse (want handle= and recorded= lines,"
                    + " file named by the handle''s SHA-256); kept, not carried out", f);
            return Optional.empty();
        }
        return Optional.of(new Entry(handle, recorded));
    }

    private Path fileOf(String handle) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(handle.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }

    private void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
