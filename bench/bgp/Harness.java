import dev.viaduct.bgp.rib.Policy;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.cli.BgpWarmup;
import dev.viaduct.sys.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * bench/bgp harness around the library: a speaker (AS 65000) listening on ADDR:PORT with one passive iBGP peer
 * (the injector at PEER) whose routes it keeps but exports nowhere; it writes its IPv4 Loc-RIB size to
 * COUNT_FILE every 2 ms so the injector can poll it like it polls birdc. It starts as {@code viaduct bgp} does
 * (viaduct-cli's BgpWarmup, compiled with it by bench/bgp/run). java -cp ... Harness ADDR PORT PEER COUNT_FILE
 */
public class Harness {
    public static void main(String[] a) throws Exception {
        Inet4Address addr = (Inet4Address) IpAddresses.parse(a[0]);
        int port = Integer.parseInt(a[1]);
        Path countFile = Path.of(a[3]);
        Path tmp = Path.of(a[3] + ".tmp");
        // the library default unless the bench asks otherwise (bench/bgp/run: viaduct-cold)
        int warmup = Integer.getInteger("jitWarmupRoutes", SpeakerConfig.DEFAULT_JIT_WARMUP_ROUTES);
        // what `viaduct bgp` does before its speaker: the warm-up, then the collection a binary's main owns
        BgpWarmup.beforeFirstSpeaker(warmup);
        BgpSpeaker s = BgpSpeaker.start(SpeakerConfig.builder(65000, addr).listen(new InetSocketAddress(addr, port))
                .gracefulRestart(null)
                .jitWarmupRoutes(warmup)
                .peer(PeerConfig.builder(IpAddresses.parse(a[2]), 65000).passive(true).exportPolicy(Policy.REJECT_ALL).build())
                .build());
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        while (true) {
            Files.writeString(tmp, Integer.toString(s.locRibSize(Family.IPV4_UNICAST)));
            Files.move(tmp, countFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(2);
        }
    }
}
