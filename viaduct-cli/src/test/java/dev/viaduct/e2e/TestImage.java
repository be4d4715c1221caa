package dev.viaduct.e2e;

import dev.viaduct.testsupport.Cmd;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The container image the image tests run, built once per test run with {@code scripts/image --no-build} from
 * the jars this build packaged (the "image" Surefire execution runs after {@code package}), under a tag of its
 * own, and removed — with any container left from it — when the run ends, whatever happened. Test classes use
 * it with {@code @ExtendWith(TestImage.class)} and read {@link #TAG}; the classes are skipped, saying why, when
 * the machine cannot build images (not root, no podman). {@code -Dviaduct.test.image=IMAGE} runs them on an
 * image built before (e.g. by {@code scripts/image} while working on a test), which is then neither built nor
 * removed.
 */
final class TestImage implements BeforeAllCallback {
    private static final String GIVEN = System.getProperty("viaduct.test.image", "");
    static final String TAG = GIVEN.isEmpty() ? "localhost/viaduct:test-" + ProcessHandle.current().pid() : GIVEN;

    /** Built once: kept in the root context's store, whose values are closed at the end of the run. */
    private record Built(String tag) implements AutoCloseable {
        @Override
        public void close() {
            // --force also removes containers made from it (a run cut short by a timeout)
            Cmd.run(Duration.ofMinutes(2), null, "podman", "rmi", "--force", "--ignore", tag);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Assumptions.assumeTrue(Cmd.ok("id", "-u").strip().equals("0"),
                "needs root: scripts/image uses mmdebstrap's root mode and podman's root storage");
        Assumptions.assumeTrue(Cmd.run("sh", "-c", "command -v podman").ok(),
                "podman is not installed (scripts/setup installs it): the container image is not built or run");
        if (!GIVEN.isEmpty()) {
            Assumptions.assumeTrue(exists(), "-Dviaduct.test.image=" + GIVEN + ": no such image");
            return;
        }
        context.getRoot().getStore(ExtensionContext.Namespace.create(TestImage.class))
                .computeIfAbsent("image", k -> build(), Built.class);
    }

    private static Built build() {
        Path script = Path.of("..", "scripts", "image").toAbsolutePath().normalize();
        Cmd.run(Duration.ofMinutes(15), null, "bash", script.toString(), "--no-build", "--tag", TAG).orThrow();
        return new Built(TAG);
    }

    static boolean exists() {
        return Cmd.run("podman", "image", "exists", TAG).ok();
    }
}
