package dev.gatehouse.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A ketama-style hash ring: each target owns {@value #POINTS_PER_WEIGHT} points per unit of weight, placed by
 * hashing its address, so adding or removing one of N targets moves only about 1/N of the keys. A key goes to
 * the first point at or after its hash whose target is available.
 */
public final class ConsistentHashBalancer implements Balancer {

    static final int POINTS_PER_WEIGHT = 160;

    private final long[] ring;
    private final int[] owner;
    private final List<Endpoint> all;

    public ConsistentHashBalancer(List<Endpoint> endpoints) {
        this.all = List.copyOf(endpoints);
        int points = 0;
        for (Endpoint e : endpoints) {
            points += POINTS_PER_WEIGHT * e.weight();
        }
        long[] hashes = new long[points];
        int[] owners = new int[points];
        int k = 0;
        for (Endpoint e : endpoints) {
            for (int p = 0; p < POINTS_PER_WEIGHT * e.weight(); p++) {
                hashes[k] = hash(e.authority() + "#" + p);
                owners[k] = e.index();
                k++;
            }
        }
        // sort points by hash, carrying owners along
        Integer[] order = new Integer[points];
        for (int i = 0; i < points; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
        this.ring = new long[points];
        this.owner = new int[points];
        for (int i = 0; i < points; i++) {
            ring[i] = hashes[order[i]];
            owner[i] = owners[order[i]];
        }
    }

    @Override
    public @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        String key = context.hashKey();
        if (key == null || ring.length == 0) {
            return endpoints.get(0);
        }
        boolean[] usable = new boolean[all.size()];
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (!e.equals(context.avoid()) || endpoints.size() == 1) {
                usable[e.index()] = true;
            }
        }
        int start = search(hash(key));
        for (int i = 0; i < ring.length; i++) {
            int idx = owner[(start + i) % ring.length];
            if (usable[idx]) {
                return all.get(idx);
            }
        }
        return endpoints.get(0);
    }

    /** The first ring position whose hash is at or after {@code h} (wrapping). */
    private int search(long h) {
        int lo = 0;
        int hi = ring.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(ring[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == ring.length ? 0 : lo;
    }

    /** FNV-1a over UTF-8 bytes, then a 64-bit finaliser (murmur3's fmix64) to spread nearby keys. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
