package dev.viaduct.testsupport.etcd;

import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Throw-away TLS material for an etcd cluster serving clients over TLS with client-certificate
 * authentication: a CA, a server certificate for {@code 127.0.0.1}/{@code localhost} and a client
 * certificate, all PEM, keys in PKCS#8 (what both etcd and netty's {@code SslContextBuilder} read). Made with
 * {@code openssl} (EC P-256 keys: quick to generate), valid for two days.
 */
public record EtcdTls(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

    /** Generates the CA and both certificates under {@code dir}. */
    public static EtcdTls generate(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server.ext"),
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
            Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TLS files under " + dir, e);
        }
        String d = dir.toString();
        Cmd.ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", d + "/ca.key", "-out", d + "/ca.crt", "-days", "2", "-subj", "/CN=viaduct-test-ca");
        for (String who : new String[] {"server", "client"}) {
            Cmd.ok("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", d + "/" + who + ".key", "-out", d + "/" + who + ".csr", "-subj", "/CN=viaduct-" + who);
            Cmd.ok("openssl", "x509", "-req", "-in", d + "/" + who + ".csr", "-CA", d + "/ca.crt", "-CAkey",
                    d + "/ca.key", "-CAcreateserial", "-out", d + "/" + who + ".crt", "-days", "2", "-extfile",
                    d + "/" + who + ".ext");
        }
        return new EtcdTls(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("client.crt"), dir.resolve("client.key"));
    }
}
