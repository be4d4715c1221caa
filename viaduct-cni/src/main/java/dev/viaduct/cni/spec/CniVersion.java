package dev.viaduct.cni.spec;

import java.util.List;

/** A CNI spec version this plugin speaks. */
public enum CniVersion {
    V0_4_0("0.4.0"), V1_0_0("1.0.0"), V1_1_0("1.1.0");

    private final String text;

    CniVersion(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    boolean atLeast(CniVersion other) {
        return compareTo(other) >= 0;
    }

    /** Result format before 1.0.0 carried {@code "version": "4"} in each IP config. */
    boolean ipsCarryVersion() {
        return this == V0_4_0;
    }

    public static List<String> supported() {
        return List.of(V0_4_0.text, V1_0_0.text, V1_1_0.text);
    }

    /** Parses a supported version or fails with error 1 naming what is supported. */
    static CniVersion of(String text) throws CniException {
        for (CniVersion v : values()) {
            if (v.text.equals(text)) {
                return v;
            }
        }
        throw new CniException(CniErrorCode.INCOMPATIBLE_VERSION,
                "incompatible CNI version: the network config asks for cniVersion \"" + text
                        + "\", this plugin supports " + supported(),
                "set \"cniVersion\" in the .conflist to one of " + supported());
    }
}
