package dev.viaduct.bgp.fsm;

/** The six states of RFC 4271 §8.2.2. */
public sealed interface FsmState {
    record Idle() implements FsmState {
    }

    record Connect() implements FsmState {
    }

    record Active() implements FsmState {
    }

    record OpenSent() implements FsmState {
    }

    /** OPEN received and accepted; {@code session} is what the two OPENs negotiated. */
    record OpenConfirm(Negotiated session) implements FsmState {
    }

    record Established(Negotiated session) implements FsmState {
    }

    FsmState IDLE = new Idle();
    FsmState CONNECT = new Connect();
    FsmState ACTIVE = new Active();
    FsmState OPEN_SENT = new OpenSent();

    /** Upper-case RFC name (IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED). */
    static String name(FsmState s) {
        return switch (s) {
            case Idle i -> "IDLE";
            case Connect c -> "CONNECT";
            case Active a -> "ACTIVE";
            case OpenSent o -> "OPENSENT";
            case OpenConfirm o -> "OPENCONFIRM";
            case Established e -> "ESTABLISHED";
        };
    }
}
