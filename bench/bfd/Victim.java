import dev.viaduct.bfd.BfdManager;
import dev.viaduct.bfd.SessionConfig;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * The node that gets frozen in bench/bfd: a Viaduct BFD manager in namespace args[0], on local address
 * args[1], with a default (100 ms x 3) session to every observer address that follows. Prints "ready" and runs
 * until stdin closes; the bench SIGSTOPs and SIGCONTs this whole JVM, as pausing a node's processes would.
 */
public final class Victim {
    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        InetAddress local = InetAddress.getByName(args[1]);
        try (BfdManager bfd = BfdManager.start(BfdManager.Options.defaults().named("victim").inNamespace(Path.of(args[0])))) {
            for (int i = 2; i < args.length; i++) {
                bfd.addSession(SessionConfig.builder(InetAddress.getByName(args[i]), local).build());
            }
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the bench to close stdin
            }
        }
    }
}
