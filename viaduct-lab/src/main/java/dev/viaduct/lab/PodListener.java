package dev.viaduct.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The process a policy-lab pod runs: answers on each {@code PORT/tcp} (accepts, writes {@code PORT\n}, closes)
 * and {@code PORT/udp} (echoes {@code PORT\n} to each datagram's sender), on every address of the pod's
 * namespace, until killed. What {@link LabProbes#probe} connects to. Started by the lab in the pod's namespace
 * ({@code java -cp ... dev.viaduct.lab.PodListener 80/tcp 53/udp}).
 *
 * <p>Concurrency: one virtual thread per port, one per TCP connection.
 */
public final class PodListener {
    private PodListener() {
    }

    public static void main(String[] args) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (String a : args) {
            int slash = a.indexOf('/');
            int port = Integer.parseInt(a.substring(0, slash));
            byte[] reply = (port + "\n").getBytes(StandardCharsets.US_ASCII);
            switch (a.substring(slash + 1)) {
                case "tcp" -> {
                    ServerSocket s = new ServerSocket();
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress((java.net.InetAddress) null, port), 128);
                    threads.add(Thread.ofVirtual().start(() -> serveTcp(s, reply)));
                }
                case "udp" -> {
                    DatagramSocket s = new DatagramSocket(new InetSocketAddress((java.net.InetAddress) null, port));
                    threads.add(Thread.ofVirtual().start(() -> serveUdp(s, reply)));
                }
                default -> throw new IllegalArgumentException("'" + a + "' is not PORT/tcp or PORT/udp");
            }
        }
        System.out.println("listening on " + String.join(" ", args));
        System.out.flush();
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void serveTcp(ServerSocket s, byte[] reply) {
        while (true) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> {
                try (c; OutputStream o = c.getOutputStream()) {
                    o.write(reply);
                } catch (IOException ignored) {
                    // the prober reports what it did not get
                }
            });
        }
    }

    private static void serveUdp(DatagramSocket s, byte[] reply) {
        byte[] buf = new byte[512];
        while (true) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }
}
