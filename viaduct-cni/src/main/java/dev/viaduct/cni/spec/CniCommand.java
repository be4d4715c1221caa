package dev.viaduct.cni.spec;

/** CNI_COMMAND values (CNI spec 1.1.0 §"Parameters"). */
public enum CniCommand {
    ADD, DEL, CHECK, STATUS, GC, VERSION;

    /** STATUS and GC exist only from spec 1.1.0; CHECK from 0.4.0. */
    boolean allowedIn(CniVersion v) {
        return switch (this) {
            case STATUS, GC -> v.atLeast(CniVersion.V1_1_0);
            case CHECK -> v.atLeast(CniVersion.V0_4_0);
            case ADD, DEL, VERSION -> true;
        };
    }
}
