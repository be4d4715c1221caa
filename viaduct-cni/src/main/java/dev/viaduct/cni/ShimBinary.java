package dev.viaduct.cni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The gcc-built shim, shipped inside this jar, and its installation as a CNI plugin binary. */
public final class ShimBinary {
    private static final String RESOURCE = "viaduct-cni";

    private ShimBinary() {
    }

    /**
     * Writes the shim to {@code dir/name} (mode 0755) atomically: a runtime exec'ing the plugin during an
     * upgrade sees the old or the new binary, never a half-written one.
     */
    public static Path installTo(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(name);
        Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
        try (InputStream in = ShimBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the viaduct-cni shim is missing from the build (resource dev/viaduct/cni/" + RESOURCE
                        + "); rebuild with gcc available");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
