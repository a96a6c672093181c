package dev.gatehouse.proxy;

/** A user event asking a client connection to close once its current exchange (if any) is complete. */
public enum DrainEvent {
    INSTANCE
}
