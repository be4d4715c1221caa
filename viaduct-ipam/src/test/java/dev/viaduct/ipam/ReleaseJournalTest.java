package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseJournalTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveReopeningAndForgottenOnesDoNot() throws Exception {
        ReleaseJournal j = ReleaseJournal.open(dir.resolve("pending"));
        String longHandle = "viaduct." + "c".repeat(400) + ".eth0"; // longer than a file name may be
        j.record("viaduct.abc.eth0", Instant.parse("2026-12-07T10:00:00Z"));
        j.record(longHandle, Instant.parse("2026-12-07T10:00:01Z"));
        j.record("viaduct.def.eth0", Instant.parse("2026-12-07T10:00:02Z"));
        j.record("viaduct.abc.eth0", Instant.parse("2026-12-07T11:00:00Z")); // twice: the first record stays
        j.forget("viaduct.def.eth0");

        ReleaseJournal again = ReleaseJournal.open(dir.resolve("pending"));
        assertThat(again.entries()).containsExactly(
                new ReleaseJournal.Entry("viaduct.abc.eth0", Instant.parse("2026-12-07T10:00:00Z")),
                new ReleaseJournal.Entry(longHandle, Instant.parse("2026-12-07T10:00:01Z")));
        assertThat(again.owes("viaduct.def.eth0")).isFalse();
        try (var files = Files.list(dir.resolve("pending"))) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(2).allMatch(n -> n.endsWith(".release"));
        }
    }

    @Test
    void aRecordThatDoesNotParseIsKeptButNotCarriedOut() throws Exception {
        Path d = dir.resolve("pending");
        Files.createDirectories(d);
        Path bad = d.resolve("0000.release");
        Files.writeString(bad, "handle=viaduct.x.eth0\n"); // no recorded= line, and not named by its handle
        ReleaseJournal j = ReleaseJournal.open(d);
        assertThat(j.entries()).isEmpty();
        assertThat(bad).exists();
    }
}
