package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.Uapi;

/**
 * Turns a {@link Request} into its rtnetlink message: type, NLM_F_* flags (the same ones {@code ip} uses
 * for the same command) and body. Pure; the exhaustive switch is the list of supported operations.
 */
final class RequestEncoder {
    private static final int CREATE_EXCL = Uapi.NLM_F_REQUEST | Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL;
    private static final int CREATE_REPLACE = Uapi.NLM_F_REQUEST | Uapi.NLM_F_CREATE | Uapi.NLM_F_REPLACE;
    private static final int CREATE_APPEND = Uapi.NLM_F_REQUEST | Uapi.NLM_F_CREATE | Uapi.NLM_F_APPEND;

    private RequestEncoder() {
    }

    /**
     * The follow-up a request needs once it has succeeded, or null. Only a veth whose peer is to be up has one:
     * the peer cannot be opened while the pair is being created (see {@link LinkSpec.Veth}), so it is brought up
     * by name afterwards — and only afterwards, since if the creation failed that name may belong to another
     * device.
     */
    static Request followUp(Request r) {
        if (r instanceof Request.AddLink(LinkSpec.Veth v) && v.peer().up()) {
            return new Request.SetUpByName(v.peer().name());
        }
        return null;
    }

    /** What undoes {@code r} when its follow-up failed: deleting the peer deletes the pair. */
    static Request undo(Request r) {
        if (r instanceof Request.AddLink(LinkSpec.Veth v)) {
            return new Request.DeleteLinkByName(v.peer().name());
        }
        throw new IllegalArgumentException("nothing to undo for " + r);
    }

    /** Appends the message for {@code r} with sequence number {@code seq} and extra flags (NLM_F_ACK). */
    static void encode(MessageWriter w, Request r, int seq, int extraFlags) {
        int req = Uapi.NLM_F_REQUEST | extraFlags;
        int start;
        switch (r) {
            case Request.AddLink a -> {
                start = w.begin(Uapi.RTM_NEWLINK, CREATE_EXCL | extraFlags, seq);
                LinkCodec.encodeCreate(w, a.spec());
            }
            case Request.UpdateLink u -> {
                start = w.begin(Uapi.RTM_SETLINK, req, seq);
                LinkCodec.encodeUpdate(w, u.index(), u.update());
            }
            case Request.DeleteLink d -> {
                start = w.begin(Uapi.RTM_DELLINK, req, seq);
                w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(d.index()).u32(0).u32(0);
            }
            case Request.DeleteLinkGroup g -> {
                start = w.begin(Uapi.RTM_DELLINK, req, seq);
                w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);
                w.attrU32(Uapi.IFLA_GROUP, g.group());
            }
            case Request.SetUpByName u -> {
                start = w.begin(Uapi.RTM_SETLINK, req, seq);
                LinkCodec.encodeUpByName(w, u.name());
            }
            case Request.DeleteLinkByName d -> {
                start = w.begin(Uapi.RTM_DELLINK, req, seq);
                w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);
                w.attrString(Uapi.IFLA_IFNAME, d.name());
            }
            case Request.AddAddress a -> {
                start = w.begin(Uapi.RTM_NEWADDR, CREATE_EXCL | extraFlags, seq);
                AddressCodec.encodeBody(w, a.address());
            }
            case Request.ReplaceAddress a -> {
                start = w.begin(Uapi.RTM_NEWADDR, CREATE_REPLACE | extraFlags, seq);
                AddressCodec.encodeBody(w, a.address());
            }
            case Request.DeleteAddress a -> {
                start = w.begin(Uapi.RTM_DELADDR, req, seq);
                AddressCodec.encodeBody(w, a.address());
            }
            case Request.AddRoute a -> {
                start = w.begin(Uapi.RTM_NEWROUTE, CREATE_EXCL | extraFlags, seq);
                RouteCodec.encodeBody(w, a.route(), false);
            }
            case Request.ReplaceRoute a -> {
                start = w.begin(Uapi.RTM_NEWROUTE, CREATE_REPLACE | extraFlags, seq);
                RouteCodec.encodeBody(w, a.route(), false);
            }
            case Request.DeleteRoute d -> {
                start = w.begin(Uapi.RTM_DELROUTE, req, seq);
                RouteCodec.encodeBody(w, d.route(), true);
            }
            case Request.AddNeighbour a -> {
                start = w.begin(Uapi.RTM_NEWNEIGH, CREATE_EXCL | extraFlags, seq);
                NeighbourCodec.encodeBody(w, a.neighbour());
            }
            case Request.ReplaceNeighbour a -> {
                start = w.begin(Uapi.RTM_NEWNEIGH, CREATE_REPLACE | extraFlags, seq);
                NeighbourCodec.encodeBody(w, a.neighbour());
            }
            case Request.AppendNeighbour a -> {
                start = w.begin(Uapi.RTM_NEWNEIGH, CREATE_APPEND | extraFlags, seq);
                NeighbourCodec.encodeBody(w, a.neighbour());
            }
            case Request.DeleteNeighbour d -> {
                start = w.begin(Uapi.RTM_DELNEIGH, req, seq);
                NeighbourCodec.encodeBody(w, d.neighbour());
            }
            case Request.SetProxyDelay p -> {
                // struct ndtmsg {u8 family; u8 pad1; u16 pad2;} + NDTA_NAME + NDTA_PARMS{NDTPA_IFINDEX, NDTPA_PROXY_DELAY}
                // (net/core/neighbour.c neightbl_set: the table is found by name and family, the per-device
                // parameters by ifindex).
                start = w.begin(Uapi.RTM_SETNEIGHTBL, req, seq);
                w.u8(p.family().code()).u8(0).u16(0);
                w.attrString(Uapi.NDTA_NAME, p.family() == AddressFamily.INET ? "arp_cache" : "ndisc_cache");
                int parms = w.beginNested(Uapi.NDTA_PARMS);
                w.attrU32(Uapi.NDTPA_IFINDEX, p.ifindex());
                w.attrU64(Uapi.NDTPA_PROXY_DELAY, p.delay().toMillis());
                w.endNested(parms);
            }
        }
        w.end(start);
    }
}
