package dev.viaduct.bgp.fsm;

import static dev.viaduct.bgp.wire.ErrorCodes.*;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.Family;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a received OPEN against this side's configuration (RFC 4271 §6.2, RFC 5492, RFC 6793) and works out
 * what the session uses. The syntactic checks (version, hold time 1 or 2, identifier 0) are the codec's.
 */
public final class OpenNegotiation {
    private OpenNegotiation() {
    }

    public static Negotiated negotiate(FsmConfig cfg, Open remote) throws BgpDecodeException {
        Open local = cfg.localOpen();
        long peerAs = remote.effectiveAs();
        boolean remote4 = remote.capability(Capability.FourOctetAs.class).isPresent();
        if (peerAs != cfg.peerAs()) {
            // RFC 4271 §6.2: data is empty; say which AS we expected in the log text
            throw new BgpDecodeException(OPEN_MESSAGE, BAD_PEER_AS,
                    "My Autonomous System: peer announced AS " + peerAs + ", configured peer AS is " + cfg.peerAs());
        }
        if (!remote4 && remote.myAs() == Open.AS_TRANS && cfg.peerAs() != Open.AS_TRANS) {
            throw new BgpDecodeException(OPEN_MESSAGE, BAD_PEER_AS, "My Autonomous System: AS_TRANS without a 4-octet AS capability");
        }
        boolean ibgp = peerAs == cfg.localAs();
        // RFC 4271 §6.2 / RFC 6286 §2.2: within an AS the identifiers must differ
        if (ibgp && remote.bgpId() == cfg.routerId()) {
            throw new BgpDecodeException(OPEN_MESSAGE, BAD_BGP_IDENTIFIER,
                    "BGP Identifier: peer uses our own identifier " + Integer.toUnsignedString(remote.bgpId()));
        }
        int hold = Math.min(local.holdTime(), remote.holdTime());
        if (remote.holdTime() != 0 && remote.holdTime() < cfg.minHoldTime()) {
            throw new BgpDecodeException(OPEN_MESSAGE, UNACCEPTABLE_HOLD_TIME,
                    "Hold Time: " + remote.holdTime() + " s is below the " + cfg.minHoldTime() + " s this side accepts");
        }
        Set<Family> localFamilies = families(local);
        Set<Family> remoteFamilies = families(remote);
        Set<Family> common = EnumSet.noneOf(Family.class);
        common.addAll(localFamilies);
        common.retainAll(remoteFamilies);
        if (common.isEmpty()) {
            // RFC 5492 §5: we cannot run a session without one of our families; name them in the data
            List<Capability> ours = local.all(Capability.Multiprotocol.class).stream().map(c -> (Capability) c).toList();
            byte[] data = capabilityBytes(ours);
            throw new BgpDecodeException(OPEN_MESSAGE, UNSUPPORTED_CAPABILITY, data,
                    "Multiprotocol: no address family in common (we speak " + localFamilies + ", peer " + remoteFamilies + ")");
        }
        boolean four = remote4 && local.capability(Capability.FourOctetAs.class).isPresent();
        boolean rr = remote.capability(Capability.RouteRefreshSupport.class).isPresent();
        Capability.GracefulRestart gr = remote.capability(Capability.GracefulRestart.class).orElse(null);
        int keepalive = hold / 3;
        return new Negotiated(local, remote, peerAs, remote.bgpId(), hold, keepalive, common, four, rr, gr);
    }

    /** Families an OPEN offers; no Multiprotocol capability at all means IPv4 unicast (RFC 4760 §8). */
    public static Set<Family> families(Open open) {
        List<Capability.Multiprotocol> mps = open.all(Capability.Multiprotocol.class);
        Set<Family> out = EnumSet.noneOf(Family.class);
        if (mps.isEmpty()) {
            out.add(Family.IPV4_UNICAST);
            return out;
        }
        for (Capability.Multiprotocol mp : mps) {
            mp.family().ifPresent(out::add);
        }
        return out;
    }

    private static byte[] capabilityBytes(List<Capability> caps) {
        // encode an OPEN holding just these and cut out its capability bytes (code, length, value each)
        byte[] whole = BgpCodec.encode(new Open(4, 1, 0, 1, caps), dev.viaduct.bgp.wire.CodecOptions.FOUR_OCTET_AS);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int p = BgpCodec.HEADER_LENGTH + 10;
        while (p < whole.length) {
            int plen = whole[p + 1] & 0xff;
            out.write(whole, p + 2, plen);
            p += 2 + plen;
        }
        return out.toByteArray();
    }
}
