package dev.viaduct.kube;

import dev.viaduct.store.KubeNodeRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What to write so that the store mirrors the API: pure functions from (what the API has, what the store
 * holds) to store steps. Every step carries the mod_revision it expects the key to have (0: absent), so a
 * writer that lost its lead without noticing yet cannot overwrite its successor's work. Deletions are only
 * ever planned from a complete listing of the API (the informers' caches after a list); an API that cannot
 * be reached produces no listing and so no plan.
 */
final class MirrorPlan {
    private MirrorPlan() {
    }

    /** A key as the store holds it. */
    record Stored(byte[] value, long modRevision) {
    }

    /** One store write. */
    sealed interface Step {
        String key();

        long expected();

        record Put(String key, byte[] value, long expected) implements Step {
        }

        record Delete(String key, long expected) implements Step {
        }
    }

    /** The step that makes {@code key} hold {@code desired} (empty: no record), if any is needed. */
    static Optional<Step> step(String key, Optional<byte[]> desired, Optional<Stored> stored) {
        if (desired.isPresent()) {
            if (stored.isPresent() && Arrays.equals(stored.get().value(), desired.get())) {
                return Optional.empty();
            }
            return Optional.of(new Step.Put(key, desired.get(), stored.map(Stored::modRevision).orElse(0L)));
        }
        return stored.map(s -> new Step.Delete(key, s.modRevision()));
    }

    /** The steps that turn {@code stored} (one directory) into {@code desired}, in key order. */
    static List<Step> diff(Map<String, byte[]> desired, Map<String, Stored> stored) {
        TreeSet<String> keys = new TreeSet<>(desired.keySet());
        keys.addAll(stored.keySet());
        List<Step> steps = new ArrayList<>();
        for (String k : keys) {
            step(k, Optional.ofNullable(desired.get(k)), Optional.ofNullable(stored.get(k))).ifPresent(steps::add);
        }
        return steps;
    }

    /**
     * What becomes of a Kubernetes Node's record, and whether its addresses are to be released now.
     *
     * @param record  the record to hold (empty: delete it)
     * @param release give the node's blocks and addresses back now (IPAM's operator release: the Node is
     *                deleted and its agent's node record is absent, so none of its pods can run)
     */
    record NodeFate(Optional<KubeNodeRecord> record, boolean release) {
    }

    /**
     * A Node the API lists keeps a record of its labels. A Node the API no longer lists keeps its record,
     * marked deleted, while IPAM still names it (the mark is what lets any reclaimer give its addresses
     * back at once), and is released now when its agent is down too; once IPAM names it no more, its record
     * goes.
     *
     * @param api      the Node as the API lists it, empty when it is not listed
     * @param stored   its record as the store holds it
     * @param agentUp  its agent's node record exists
     * @param ipamNamesIt a block is affine to it, or an allocation or handle was made by it
     */
    static NodeFate node(Optional<KubeNodeRecord> api, Optional<KubeNodeRecord> stored, boolean agentUp, boolean ipamNamesIt) {
        if (api.isPresent()) {
            return new NodeFate(api, false);
        }
        if (stored.isEmpty() || !ipamNamesIt) {
            return new NodeFate(Optional.empty(), false);
        }
        return new NodeFate(Optional.of(new KubeNodeRecord(stored.get().labels(), true)), !agentUp);
    }
}
