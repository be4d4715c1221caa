package dev.viaduct.agent.cni;

import dev.viaduct.cni.spec.PodInterfaces;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.pod.PodAttachment;
import dev.viaduct.agent.pod.PodDataplane;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Records attachments in memory; can be told to fail the next attach. */
final class FakeDataplane implements PodDataplane {
    final Map<String, PodAttachment> veths = new ConcurrentHashMap<>();
    DataplaneException failNext;

    @Override
    public PodInterfaces attach(PodAttachment a) throws DataplaneException {
        if (failNext != null) {
            DataplaneException e = failNext;
            failNext = null;
            throw e;
        }
        veths.put(a.hostVeth(), a);
        return new PodInterfaces(a.hostVeth(), "ee:ee:ee:ee:ee:ee", a.ifname(), "02:00:00:00:00:01", a.mtu());
    }

    @Override
    public void detach(String hostVeth) {
        veths.remove(hostVeth);
    }

    @Override
    public List<String> verify(PodAttachment a) {
        return veths.containsKey(a.hostVeth()) ? List.of() : List.of("host veth " + a.hostVeth() + " is missing");
    }
}
