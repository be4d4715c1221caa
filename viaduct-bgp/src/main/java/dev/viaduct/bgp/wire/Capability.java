package dev.viaduct.bgp.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** A capability advertised in OPEN (RFC 5492); unknown ones keep their bytes. */
public sealed interface Capability {
    int CODE_MULTIPROTOCOL = 1;
    int CODE_ROUTE_REFRESH = 2;
    int CODE_EXTENDED_MESSAGE = 6;
    int CODE_GRACEFUL_RESTART = 64;
    int CODE_FOUR_OCTET_AS = 65;
    int CODE_ENHANCED_ROUTE_REFRESH = 70;

    int code();

    /** Multiprotocol extensions for one AFI/SAFI (RFC 4760 §8). Raw numbers: unknown families are legal. */
    record Multiprotocol(int afi, int safi) implements Capability {
        public Multiprotocol(Family f) {
            this(f.afi(), f.safi());
        }

        public Optional<Family> family() {
            return Optional.ofNullable(Family.of(afi, safi));
        }

        @Override
        public int code() {
            return CODE_MULTIPROTOCOL;
        }
    }

    /** Route refresh (RFC 2918 §2). */
    record RouteRefreshSupport() implements Capability {
        @Override
        public int code() {
            return CODE_ROUTE_REFRESH;
        }
    }

    /** BGP Extended Message (RFC 8654 §3): the sender accepts messages up to 65,535 octets. */
    record ExtendedMessage() implements Capability {
        @Override
        public int code() {
            return CODE_EXTENDED_MESSAGE;
        }
    }

    /** Enhanced Route Refresh (RFC 7313 §3): the sender demarcates a re-advertisement with BoRR and EoRR. */
    record EnhancedRouteRefresh() implements Capability {
        @Override
        public int code() {
            return CODE_ENHANCED_ROUTE_REFRESH;
        }
    }

    /**
     * Graceful restart (RFC 4724 §3): the R bit says the sender has restarted; {@code notification} is the N
     * bit of RFC 8538; {@code restartTime} is in seconds (12 bits); per family, whether forwarding state was
     * preserved (F bit).
     */
    record GracefulRestart(boolean restarting, boolean notification, int restartTime, List<GrFamily> families)
            implements Capability {
        public GracefulRestart {
            if (restartTime < 0 || restartTime > 4095) {
                throw new IllegalArgumentException("restartTime: " + restartTime + " is not 0..4095 (12 bits)");
            }
            families = List.copyOf(families);
        }

        @Override
        public int code() {
            return CODE_GRACEFUL_RESTART;
        }

        public Optional<GrFamily> forFamily(Family f) {
            return families.stream().filter(g -> g.afi() == f.afi() && g.safi() == f.safi()).findFirst();
        }
    }

    /** One family of a graceful-restart capability. */
    record GrFamily(int afi, int safi, boolean forwardingPreserved) {
        public GrFamily(Family f, boolean forwardingPreserved) {
            this(f.afi(), f.safi(), forwardingPreserved);
        }
    }

    /** Support for 4-octet AS numbers, carrying the sender's real AS (RFC 6793 §3). */
    record FourOctetAs(long asn) implements Capability {
        public FourOctetAs {
            if (asn < 0 || asn > 0xffffffffL) {
                throw new IllegalArgumentException("asn: " + asn + " is not 0..4294967295");
            }
        }

        @Override
        public int code() {
            return CODE_FOUR_OCTET_AS;
        }
    }

    /** A capability this speaker does not know: ignored (RFC 5492 §4), kept so re-encoding loses nothing. */
    record Unknown(int code, byte[] value) implements Capability {
        public Unknown {
            if (code < 0 || code > 255) {
                throw new IllegalArgumentException("code: " + code + " is not 0..255");
            }
            if (value.length > 255) {
                throw new IllegalArgumentException("value: " + value.length + " bytes do not fit a capability (max 255)");
            }
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unknown u && u.code == code && Arrays.equals(u.value, value);
        }

        @Override
        public int hashCode() {
            return code * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Unknown[code=" + code + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }
}
