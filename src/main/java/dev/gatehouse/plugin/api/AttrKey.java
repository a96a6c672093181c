package dev.gatehouse.plugin.api;

/**
 * A typed key for per-request attributes that plugins share (for example the authenticated consumer), compared by
 * identity: create one as a {@code static final} constant.
 */
public final class AttrKey<T> {

    private final String name;

    private AttrKey(String name) {
        this.name = name;
    }

    public static <T> AttrKey<T> of(String name) {
        return new AttrKey<>(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
