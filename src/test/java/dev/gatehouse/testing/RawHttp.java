package dev.gatehouse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-level HTTP/1.1 client for tests that must send what well-behaved clients cannot (malformed requests,
 * pipelining, Expect) and read exactly what came back, including whether the connection was closed.
 */
public final class RawHttp implements AutoCloseable {

    /** One parsed response. {@code body} is de-chunked; {@code trailers} holds chunked trailers. */
    public record Response(String statusLine, int status, Map<String, String> headers, String body,
            Map<String, String> trailers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(10_000);
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * A TLS connection to 127.0.0.1:{@code port}, asking for {@code sni} (null: no SNI), handshaken before this
     * returns (a refused handshake throws).
     */
    public static RawHttp tls(int port, javax.net.ssl.SSLContext context, String sni) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
                port);
        javax.net.ssl.SSLParameters params = s.getSSLParameters();
        params.setServerNames(sni == null ? java.util.List.of() : java.util.List.of(new javax.net.ssl.SNIHostName(
                sni)));
        s.setSSLParameters(params);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return new RawHttp(s);
    }

    /** The certificate the server presented (TLS connections only). */
    public java.security.cert.X509Certificate peerCertificate() throws IOException {
        return (java.security.cert.X509Certificate) ((javax.net.ssl.SSLSocket) socket).getSession()
                .getPeerCertificates()[0];
    }

    public RawHttp timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public RawHttp send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response to a request that was not HEAD. */
    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code head} says the request was HEAD (no body follows whatever the headers say). */
    public Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        Map<String, String> headers = headers();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> trailers = new LinkedHashMap<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean bodyless = head || status == 204 || status == 304 || status / 100 == 1;
        if (bodyless) {
            return new Response(statusLine, status, headers, "", trailers);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new IOException("connection closed inside a chunked body");
                }
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    trailers.putAll(headers());
                    break;
                }
                body.write(exactly(size));
                line();
            }
        } else if (headers.containsKey("content-length")) {
            body.write(exactly(Integer.parseInt(headers.get("content-length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(statusLine, status, headers, body.toString(StandardCharsets.UTF_8), trailers);
    }

    /** True when the peer closed the connection (reads EOF within the socket timeout). */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new IOException("connection closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    private Map<String, String> headers() throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        return headers;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
