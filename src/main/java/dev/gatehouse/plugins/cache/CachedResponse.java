package dev.gatehouse.plugins.cache;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One stored response, immutable: its head and body, when it was requested and received, and what its freshness
 * works out to (computed once, when stored or revalidated).
 *
 * @param headers name, value, name, value... as the client receives them, minus hop-by-hop fields and {@code Age}
 * @param requestTime when the request that produced it went upstream (epoch ms)
 * @param responseTime when its head arrived (epoch ms)
 * @param initialAgeMs the corrected initial age (RFC 9111, section 4.2.3)
 * @param freshnessMs the freshness lifetime (section 4.2.1), 0 when it is stale at once
 * @param staleWhileRevalidateMs how long past its lifetime it may be served while a refresh runs, or -1
 * @param staleIfErrorMs how long past its lifetime it may be served when the upstream fails, or -1
 * @param revalidate never served stale (must-revalidate, proxy-revalidate, s-maxage)
 * @param noCache validated with the upstream before every use
 * @param authorizedUse may answer a request with {@code Authorization} (public, s-maxage, must-revalidate)
 * @param varyNames the request fields its {@code Vary} names, in lower case
 * @param varyValues those fields' values in the request that produced it (normalized; "" when absent)
 * @param head {@code headers} as a headers object, never changed: each answer copies it whole, which Netty does
 *     without validating every name again (both come from the same headers factory)
 */
record CachedResponse(int status, List<String> headers, byte[] body, long requestTime,
        long responseTime, long initialAgeMs, long freshnessMs, long staleWhileRevalidateMs, long staleIfErrorMs,
        boolean revalidate, boolean noCache, boolean authorizedUse, List<String> varyNames,
        List<String> varyValues, HttpHeaders head) {

    /** The headers object for {@code headers} (name, value, name, value...). */
    static HttpHeaders head(List<String> headers) {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (int i = 0; i < headers.size(); i += 2) {
            h.add(headers.get(i), headers.get(i + 1));
        }
        return h;
    }

    @Nullable String header(CharSequence name) {
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name.toString())) {
                return headers.get(i + 1);
            }
        }
        return null;
    }

    long ageMs(long now) {
        return initialAgeMs + Math.max(0, now - responseTime);
    }

    /** How long past its freshness lifetime it is at {@code now} (negative while fresh). */
    long stalenessMs(long now) {
        return ageMs(now) - freshnessMs;
    }

    /** The bytes it takes in memory, roughly (for the cache's byte bound). */
    int weight() {
        int w = 160 + body.length;
        for (String h : headers) {
            w += h.length() + 16;
        }
        return w;
    }

    /** Whether it is the variant for a request with these values of its {@code Vary} fields (section 4.1). */
    boolean matches(HttpHeaders request) {
        for (int i = 0; i < varyNames.size(); i++) {
            if (!varyValues.get(i).equals(normalized(request, varyNames.get(i)))) {
                return false;
            }
        }
        return true;
    }

    /** A field's values in one line, whitespace around commas dropped, so equivalent forms compare equal. */
    static String normalized(HttpHeaders request, String name) {
        List<String> all = request.getAll(name);
        if (all.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String value : all) {
            for (String part : value.split(",")) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(part.trim());
            }
        }
        return sb.toString();
    }

    /** The response for a client: the stored head with {@code Age} (whole seconds), and the body. */
    FullHttpResponse toResponse(long now, boolean withBody) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                withBody ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
        HttpHeaders h = r.headers();
        h.add(head);
        h.set(HttpHeaderNames.AGE, ageMs(now) / 1000);
        if (withBody || !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        return r;
    }

    /** The 304 for a client whose own conditional request matched (RFC 9110, section 15.4.5). */
    FullHttpResponse notModified(long now) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders h = r.headers();
        for (int i = 0; i < headers.size(); i += 2) {
            String name = headers.get(i);
            if (name.equalsIgnoreCase("cache-control") || name.equalsIgnoreCase("content-location")
                    || name.equalsIgnoreCase("date") || name.equalsIgnoreCase("etag")
                    || name.equalsIgnoreCase("expires") || name.equalsIgnoreCase("vary")
                    || name.equalsIgnoreCase("last-modified")) {
                h.add(name, headers.get(i + 1));
            }
        }
        h.set(HttpHeaderNames.AGE, ageMs(now) / 1000);
        return r;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeShort(status);
        writeStrings(out, headers);
        out.writeInt(body.length);
        out.write(body);
        out.writeLong(requestTime);
        out.writeLong(responseTime);
        out.writeLong(initialAgeMs);
        out.writeLong(freshnessMs);
        out.writeLong(staleWhileRevalidateMs);
        out.writeLong(staleIfErrorMs);
        out.writeBoolean(revalidate);
        out.writeBoolean(noCache);
        out.writeBoolean(authorizedUse);
        writeStrings(out, varyNames);
        writeStrings(out, varyValues);
    }

    static CachedResponse read(DataInputStream in) throws IOException {
        int status = in.readShort();
        List<String> headers = readStrings(in);
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return new CachedResponse(status, headers, body, in.readLong(), in.readLong(), in.readLong(),
                in.readLong(), in.readLong(), in.readLong(), in.readBoolean(), in.readBoolean(), in.readBoolean(),
                readStrings(in), readStrings(in), head(headers));
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            list.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        return List.copyOf(list);
    }
}
