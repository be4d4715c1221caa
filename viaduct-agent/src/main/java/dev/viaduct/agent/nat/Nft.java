package dev.viaduct.agent.nat;

import java.util.Optional;

/** Running {@code nft}: the seam between {@link NatOutgoing} and the real binary (a fake in unit tests). */
public interface Nft {
    /** Runs {@code nft -f -} with {@code script} on stdin. */
    void apply(String script) throws NftException;

    /** {@code nft -j list table <family> <table>}, or empty when the table does not exist. */
    Optional<String> listTable(String family, String table) throws NftException;

    /** Why nft is unusable (not installed...), or "" when it works. */
    String unavailableReason();

    final class NftException extends Exception {
        public NftException(String message) {
            super(message);
        }
    }
}
