package dev.viaduct.store.etcd;

import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreException.Reason;
import dev.viaduct.store.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context for etcd's client URL from the PEM files {@link StoreOptions} names, with the JDK alone: the CA
 * certificates that verify the server (the JDK's default trust store when none is given), and the client
 * certificate chain with its private key when etcd requires client certificates ({@code --client-cert-auth}).
 *
 * <p>Private keys: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519 — what {@code openssl genpkey} and
 * {@code openssl req -newkey} write, and cfssl's and cert-manager's default), PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}, RFC 8017 appendix A.1.2) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}, RFC 5915),
 * the last two re-wrapped as PKCS#8 (RFC 5208 §5) for the JDK's {@link KeyFactory}. Encrypted keys are refused
 * with the file's name and the {@code openssl} command that decrypts them: an agent has no one to ask for a
 * passphrase.
 */
final class PemTls {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");
    // DER of the AlgorithmIdentifier SEQUENCEs PKCS#8 wraps around a PKCS#1 or SEC1 key
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemTls() {
    }

    /** The socket factory for {@code options}' https endpoints. */
    static SSLSocketFactory socketFactory(StoreOptions options) {
        try {
            TrustManagerFactory tmf = null;
            if (options.caFile() != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                List<? extends Certificate> cas = certificates("etcd.tls.caFile", options.caFile());
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca" + i, cas.get(i));
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (options.certFile() != null) {
                List<? extends Certificate> chain = certificates("etcd.tls.certFile", options.certFile());
                PrivateKey key = privateKey(options.keyFile());
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                char[] none = new char[0];
                keys.setKeyEntry("client", key, none, chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new StoreException(Reason.REJECTED, "etcd.tls: cannot set up TLS from " + options.caFile() + ", "
                    + options.certFile() + ", " + options.keyFile() + ": " + e.getMessage(), e);
        }
    }

    private static List<? extends Certificate> certificates(String field, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<? extends Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) {
                throw new StoreException(Reason.REJECTED, field + ": " + file + " holds no PEM certificate");
            }
            return certs;
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException(Reason.REJECTED, field + ": cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The private key in {@code file} (see the class comment for the formats). */
    static PrivateKey privateKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: cannot read " + file + ": " + e, e);
        }
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue; // EC PARAMETERS before an EC key, or a certificate in the same file
            }
            if (pem.contains("Proc-Type: 4,ENCRYPTED") || type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: " + file + " is encrypted; decrypt it with"
                        + " 'openssl pkey -in " + file + " -out KEY.pem' (an agent cannot ask for a passphrase)");
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            byte[] pkcs8 = switch (type) {
                case "PRIVATE KEY" -> der;
                case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, der);
                case "EC PRIVATE KEY" -> pkcs8(ecAlgorithm(file, der), der);
                default -> throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: " + file + " holds a '" + type
                        + "', which is not read; convert it to PKCS#8 with 'openssl pkcs8 -topk8 -nocrypt -in " + file + "'");
            };
            for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException e) {
                    // not this algorithm: try the next
                }
            }
            throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: " + file + ": the " + type
                    + " is not an RSA, EC or EdDSA key the JDK reads");
        }
        throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: " + file + " holds no PEM private key");
    }

    /** PKCS#8 PrivateKeyInfo (RFC 5208 §5): SEQUENCE { INTEGER 0, algorithm, OCTET STRING key }. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.writeBytes(tlv(0x04, key));
        return tlv(0x30, body.toByteArray());
    }

    /**
     * id-ecPublicKey with the curve a SEC1 key names in its {@code parameters [0]} (RFC 5915 §3):
     * SEQUENCE { INTEGER 1, OCTET STRING, [0] OID, [1] BIT STRING }.
     */
    private static byte[] ecAlgorithm(Path file, byte[] sec1) {
        try {
            int[] p = {0};
            header(sec1, p, 0x30);
            int versionLen = header(sec1, p, 0x02);
            p[0] += versionLen;
            int keyLen = header(sec1, p, 0x04);
            p[0] += keyLen;
            int paramsLen = header(sec1, p, 0xa0);
            byte[] oid = java.util.Arrays.copyOfRange(sec1, p[0], p[0] + paramsLen);
            if (oid.length == 0 || oid[0] != 0x06) {
                throw new IllegalArgumentException("explicit curve parameters");
            }
            ByteArrayOutputStream alg = new ByteArrayOutputStream();
            alg.writeBytes(EC_PUBLIC_KEY_OID);
            alg.writeBytes(oid);
            return tlv(0x30, alg.toByteArray());
        } catch (RuntimeException e) {
            throw new StoreException(Reason.REJECTED, "etcd.tls.keyFile: " + file + ": an EC PRIVATE KEY without a named"
                    + " curve (" + e.getMessage() + "); convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + file + "'", e);
        }
    }

    /** Reads a DER tag (which must be {@code tag}) and length at {@code p[0]}, advancing past them; the length. */
    private static int header(byte[] der, int[] p, int tag) {
        if ((der[p[0]++] & 0xff) != tag) {
            throw new IllegalArgumentException("unexpected DER tag at byte " + (p[0] - 1));
        }
        int len = der[p[0]++] & 0xff;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[p[0]++] & 0xff);
            }
        }
        if (len < 0 || p[0] + len > der.length) {
            throw new IllegalArgumentException("DER length beyond the key");
        }
        return len;
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
