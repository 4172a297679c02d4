package ai.graft.trainer.data;

/**
 * A small seeded random generator (SplitMix64) whose sequence is fixed by this code, not by the
 * JDK: splits, shuffles and augmentations stay the same across Java versions and machines. Seeds
 * are derived from several parts ({@link #seed(long...)}) so that each (seed, epoch, sample) has
 * its own independent stream, whatever thread draws from it. Not thread-safe.
 */
final class Rng {
    /** Tags that keep the streams of different purposes apart for the same user seed. */
    static final long SPLIT = 0x5350_4c49_54L;

    static final long LIMIT = 0x4c49_4d49_54L;
    static final long SHUFFLE = 0x5348_5546_4cL;
    static final long AUGMENT = 0x4155_474dL;
    static final long TEST = 0x5445_5354L;

    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    /** A seed mixed from several parts: different parts give unrelated streams. */
    static long seed(long... parts) {
        long h = GOLDEN;
        for (long p : parts) {
            h = mix(h ^ mix(p + GOLDEN));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform in [0, bound), bound positive (multiply-shift; bias below 2^-32 * bound). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** Fisher-Yates shuffle in place. */
    void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
