package dev.gatehouse.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses the gateway writes itself: a JSON body with the status, a stable error code, a message and the
 * request id, so that a client or an operator can find the request in the access log.
 */
final class LocalReply {

    static final String REQUEST_ID = "x-request-id";

    private LocalReply() {
    }

    /**
     * @param code a stable snake_case error code, such as {@code upstream_connection_refused}
     * @param message a sentence for humans; must not echo unescaped client input
     */
    static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String code, String message,
            String requestId, boolean close) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"status\":").append(status.code())
                .append(",\"error\":\"").append(code)
                .append("\",\"message\":\"");
        escape(sb, message);
        sb.append("\",\"request_id\":\"");
        escape(sb, requestId);
        sb.append("\"}\n");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(REQUEST_ID, requestId);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /**
     * The gateway's answer to a gRPC request: HTTP 200 with {@code grpc-status} and {@code grpc-message} and no
     * body (gRPC's "trailers-only" response), as gRPC clients expect instead of an HTTP error page.
     */
    static FullHttpResponse grpc(HttpResponseStatus status, String message, String requestId) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                io.netty.buffer.Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                .set("grpc-status", grpcStatus(status.code()))
                .set("grpc-message", java.net.URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20"))
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(REQUEST_ID, requestId);
        return r;
    }

    /** The gRPC status for a gateway answer (https://grpc.github.io/grpc/core/md_doc_http-grpc-status-mapping.html). */
    static int grpcStatus(int http) {
        return switch (http) {
            case 400 -> 13;   // INTERNAL: a malformed request
            case 401 -> 16;   // UNAUTHENTICATED
            case 403 -> 7;    // PERMISSION_DENIED
            case 404 -> 12;   // UNIMPLEMENTED: no route for the method
            case 413, 429 -> 8;   // RESOURCE_EXHAUSTED
            case 408, 504 -> 4;   // DEADLINE_EXCEEDED
            case 502, 503 -> 14;  // UNAVAILABLE
            default -> 2;     // UNKNOWN
        };
    }

    /** A response with a given body (a plugin's), such as a maintenance page. */
    static FullHttpResponse body(ByteBufAllocator alloc, HttpResponseStatus status, String text,
            @org.jspecify.annotations.Nullable String contentType, String requestId, boolean close) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                alloc.buffer(bytes.length).writeBytes(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(REQUEST_ID, requestId);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
    }
}
