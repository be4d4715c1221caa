package dev.viaduct.kube;

import dev.viaduct.ipam.Handle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which leaked pod addresses to release: a pure function of (IPAM's handles, the pods the API lists, when
 * each handle was first seen without its pod, now). A handle is a pod's when the agent recorded the pod's
 * namespace and name in its attributes at CNI ADD; handles without them (tunnel addresses, static
 * assignments made by operators) are never touched. A handle is released once its pod has been missing
 * from the API for the whole grace period and the handle is older than the grace period (an informer that
 * lags behind a pod's creation cannot free it). A pod the API lists keeps every address it holds, whatever
 * the state of its node's agent: its existence is the API's word, not the agent's.
 */
final class PodGc {
    static final String NAMESPACE_ATTRIBUTE = "podNamespace";
    static final String POD_ATTRIBUTE = "pod";

    private PodGc() {
    }

    /**
     * @param release   handles to release now
     * @param deadSince handles whose pod is missing, and since when (the next call's input)
     */
    record Decision(List<String> release, Map<String, Instant> deadSince) {
        Decision {
            release = List.copyOf(release);
            deadSince = Map.copyOf(deadSince);
        }
    }

    /**
     * @param livePods  the pods the API lists, as {@code namespace/name}
     * @param deadSince the previous decision's {@link Decision#deadSince} (empty at first)
     */
    static Decision decide(Collection<Handle> handles, Set<String> livePods, Map<String, Instant> deadSince, Instant now,
            Duration grace) {
        List<String> release = new ArrayList<>();
        Map<String, Instant> dead = new TreeMap<>();
        for (Handle h : handles) {
            String ns = h.attributes().get(NAMESPACE_ATTRIBUTE);
            String pod = h.attributes().get(POD_ATTRIBUTE);
            if (ns == null || pod == null || livePods.contains(ns + "/" + pod)) {
                continue;
            }
            Instant since = deadSince.getOrDefault(h.id(), now);
            if (!now.isBefore(since.plus(grace)) && !now.isBefore(h.assigned().plus(grace))) {
                release.add(h.id());
            } else {
                dead.put(h.id(), since);
            }
        }
        return new Decision(release, dead);
    }
}
