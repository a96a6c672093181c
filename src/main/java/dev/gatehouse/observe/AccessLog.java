package dev.gatehouse.observe;

/** Where the proxy reports completed requests. {@link #log} never blocks and never throws. */
public interface AccessLog {

    AccessLog OFF = entry -> { };

    void log(AccessLogEntry entry);
}
