package dev.viaduct.store.etcd;

import java.nio.file.Path;
import java.security.PrivateKey;

/** Opens {@link PemTls}'s key reading to tests in other packages. */
public final class PemTlsAccess {
    private PemTlsAccess() {
    }

    public static PrivateKey privateKey(Path file) {
        return PemTls.privateKey(file);
    }
}
