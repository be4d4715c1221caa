package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diff of one flush for a member of an update group whose view of the changed prefixes is the group's and
 * that sent none of them: the group's own diff, the same for every such member (in a reflector, all but the
 * client whose route changed). Computed once per flush instead of a map of builders per member; only for a
 * diff of one chunk (larger ones go member by member, a chunk at a time).
 *
 * <p>Built by {@link AdjRibOut} on the RIB thread for one flush of one group, and dropped with it.
 */
final class CommonDiff {
    private final Family family;
    private final PrefixList withdrawn;
    private final Map<RouteAttrs, PrefixList> announced;
    private final Map<CodecOptions, List<byte[]>> messages = new HashMap<>(2);

    private CommonDiff(Family family, PrefixList withdrawn, Map<RouteAttrs, PrefixList> announced) {
        this.family = family;
        this.withdrawn = withdrawn;
        this.announced = announced;
    }

    static CommonDiff of(Family f, PrefixMap.Keys keys, RouteAttrs[] now, RouteAttrs[] before) {
        if (keys.size > AdjRibOut.CHUNK_PREFIXES) {
            return null;
        }
        boolean v4 = f == Family.IPV4_UNICAST;
        PrefixList.Builder withdrawals = PrefixList.builder(f, 2);
        Map<RouteAttrs, PrefixList.Builder> builders = new LinkedHashMap<>();
        for (int i = 0; i < keys.size; i++) {
            if (now[i] == null) {
                if (before[i] != null) {
                    AdjRibOut.add(withdrawals, v4, keys.a[i], keys.b(i), keys.len[i]);
                }
            } else if (!now[i].equals(before[i])) {
                AdjRibOut.add(builders.computeIfAbsent(now[i], x -> PrefixList.builder(f, 2)), v4, keys.a[i], keys.b(i), keys.len[i]);
                if (builders.size() > AdjRibOut.CHUNK_GROUPS) {
                    return null;
                }
            }
        }
        Map<RouteAttrs, PrefixList> announced = new LinkedHashMap<>();
        builders.forEach((attrs, b) -> announced.put(attrs, b.build()));
        return new CommonDiff(f, withdrawals.size() == 0 ? null : withdrawals.build(), announced);
    }

    /** Whether {@code m} gets exactly this diff: it sent none of the prefixes and has no exception for them. */
    boolean applies(RibPeer m, PeerAdjOut out, PrefixMap.Keys keys, Path[] bests) {
        for (int i = 0; i < keys.size; i++) {
            if (AdjRibOut.sentBy(bests[i], m) || out.hasException(keys.a[i], keys.b(i), keys.len[i])) {
                return false;
            }
        }
        return true;
    }

    /** The UPDATEs for sessions with these options: withdrawals first, then announcements by attributes. */
    List<byte[]> messages(AdjRibOut export, CodecOptions codec, AdjRibOut.Round round) {
        return messages.computeIfAbsent(codec, c -> {
            List<byte[]> all = new ArrayList<>();
            if (withdrawn != null) {
                all.addAll(export.messages(family, new AdjRibOut.Group(c, null, withdrawn), round));
            }
            announced.forEach((attrs, l) -> all.addAll(export.messages(family, new AdjRibOut.Group(c, attrs, l), round)));
            return all;
        });
    }
}
