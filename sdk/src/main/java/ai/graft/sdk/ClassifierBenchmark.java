package ai.graft.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Measures how fast a classifier runs on real image files: end to end (read, decode, preprocess,
 * infer, postprocess, one image after another on the calling thread), per stage, and ONNX Runtime
 * alone on one ready tensor. The library code behind {@code graft benchmark}.
 *
 * <pre>{@code
 * try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
 *     ClassifierBenchmark.Report report = ClassifierBenchmark.run(classifier, images,
 *             new ClassifierBenchmark.Options(5, 200, System.out::println));
 *     System.out.println(report.imagesPerSecond() + " images/s");
 * }
 * }</pre>
 */
public final class ClassifierBenchmark {
    private ClassifierBenchmark() {}

    /**
     * How to run a benchmark.
     *
     * @param warmup classifications before the timed ones (on the first image), at least 0
     * @param minClassifications the fewest timed classifications: the image list is repeated until
     *     it is reached, and always gone through once, so that 0 (or any number up to the image
     *     count) means each image once; at least 0
     * @param progress receives progress messages (about every two seconds); may be null
     * @param concurrency how many classifications run at once, each on its own thread (the
     *     classifier is thread-safe): 1 times one image after another, as a single caller sees it;
     *     more overlaps one image's decoding with another's inference, as a server or a folder run
     *     does; at least 1
     */
    public record Options(
            int warmup, int minClassifications, Consumer<String> progress, int concurrency) {
        /**
         * Validates the fields.
         *
         * @param warmup classifications before the timed ones
         * @param minClassifications the fewest timed classifications
         * @param progress receives progress messages; may be null
         * @param concurrency classifications at once
         * @throws IllegalArgumentException when warmup or minClassifications is negative, or
         *     concurrency below 1
         */
        public Options {
            if (warmup < 0) {
                throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
            }
            if (minClassifications < 0) {
                throw new IllegalArgumentException(
                        "minClassifications must be >= 0 (0 = each image once), got "
                                + minClassifications);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
        }

        /**
         * One classification at a time.
         *
         * @param warmup classifications before the timed ones
         * @param minClassifications the fewest timed classifications
         * @param progress receives progress messages; may be null
         */
        public Options(int warmup, int minClassifications, Consumer<String> progress) {
            this(warmup, minClassifications, progress, 1);
        }
    }

    /**
     * The result of a benchmark. Stage times are means over the successful classifications.
     *
     * @param images the number of distinct image files
     * @param classified successful timed classifications
     * @param failed timed classifications that failed (an unreadable or undecodable image)
     * @param seconds wall time of the timed classifications
     * @param imagesPerSecond {@code classified / seconds}, end to end
     * @param decodeMs mean time to read and decode a file
     * @param preprocessMs mean time to preprocess
     * @param inferenceMs mean ONNX Runtime time inside a classification
     * @param postprocessMs mean time for softmax, labels and top-k
     * @param ortOnlyMs mean time of ONNX Runtime alone, one image's ready tensor run again and
     *     again
     * @param ortOnlyImagesPerSecond {@code 1000 / ortOnlyMs}
     * @param p50LatencyMs median end-to-end latency
     * @param p95LatencyMs 95th percentile end-to-end latency
     * @param rssStartMb resident memory of the process at the start (Linux {@code VmRSS}; 0
     *     elsewhere)
     * @param rssEndMb resident memory at the end
     * @param rssPeakMb peak resident memory of the process (Linux {@code VmHWM})
     * @param threads ONNX Runtime intra-op threads: the configured number, or the available
     *     processors when ONNX Runtime chooses
     * @param concurrency classifications that ran at once
     * @param failures each image that failed, once, with why, in the order of the image list
     */
    public record Report(
            int images,
            int classified,
            int failed,
            double seconds,
            double imagesPerSecond,
            double decodeMs,
            double preprocessMs,
            double inferenceMs,
            double postprocessMs,
            double ortOnlyMs,
            double ortOnlyImagesPerSecond,
            double p50LatencyMs,
            double p95LatencyMs,
            long rssStartMb,
            long rssEndMb,
            long rssPeakMb,
            int threads,
            int concurrency,
            List<Failure> failures) {

        /**
         * Copies the failures into an unmodifiable list.
         *
         * @throws NullPointerException when failures is null
         */
        public Report {
            failures = List.copyOf(failures);
        }

        /**
         * A human-readable multi-line summary, ending with one line per failed image.
         *
         * @return the summary
         */
        public String format() {
            return String.format(
                            Locale.ROOT,
                            "images %d, classified %d, failed %d in %.2f s: %.1f images/s end to end"
                                    + " (%d at once)%n"
                                    + "latency p50 %.2f ms, p95 %.2f ms%n"
                                    + "stages (mean ms): decode %.2f, preprocess %.2f, inference %.2f,"
                                    + " postprocess %.3f%n"
                                    + "ONNX Runtime alone: %.2f ms, %.1f images/s (%d threads)%n"
                                    + "RSS MB: start %d, end %d, peak %d",
                            images,
                            classified,
                            failed,
                            seconds,
                            imagesPerSecond,
                            concurrency,
                            p50LatencyMs,
                            p95LatencyMs,
                            decodeMs,
                            preprocessMs,
                            inferenceMs,
                            postprocessMs,
                            ortOnlyMs,
                            ortOnlyImagesPerSecond,
                            threads,
                            rssStartMb,
                            rssEndMb,
                            rssPeakMb)
                    + failures.stream()
                            .map(
                                    f ->
                                            String.format(
                                                    Locale.ROOT,
                                                    "%nfailed: %s: %s",
                                                    f.image(),
                                                    f.reason()))
                            .collect(Collectors.joining());
        }
    }

    /**
     * An image that could not be classified.
     *
     * @param image the file
     * @param reason why, as the {@link ImageException} says
     */
    public record Failure(Path image, String reason) {}

    /**
     * Runs the benchmark: warm-up, then the timed classifications of the files (repeating the list
     * until {@code minClassifications}; {@link Options#concurrency()} at a time), then ONNX Runtime
     * alone on the first image that classified, as many runs as there were timed classifications
     * (at most 200).
     *
     * @param classifier an open classifier
     * @param images image files
     * @param options warm-up, count and progress
     * @return the report
     * @throws IllegalArgumentException when the list is empty
     * @throws IllegalStateException when the classifier is closed
     */
    public static Report run(ImageClassifier classifier, List<Path> images, Options options) {
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(options, "options");
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("No images to benchmark");
        }
        Consumer<String> progress = options.progress() == null ? s -> {} : options.progress();
        long[] rssStart = readRss();
        long peakKb = Math.max(rssStart[0], rssStart[1]);

        Path first = null;
        int warmupDone = 0;
        for (int i = 0; i < images.size() && first == null; i++) {
            try {
                classifier.classify(images.get(i));
                first = images.get(i);
                warmupDone = 1;
            } catch (ImageException e) {
                progress.accept("Skipping for warm-up: " + e.getMessage());
            }
        }
        if (first != null) {
            for (; warmupDone < options.warmup(); warmupDone++) {
                try {
                    classifier.classify(first);
                } catch (ImageException e) {
                    break;
                }
            }
        }
        progress.accept(
                String.format(
                        Locale.ROOT,
                        "Warmed up with %d classification(s); timing at least %d over %d image(s)",
                        warmupDone,
                        options.minClassifications(),
                        images.size()));

        int target = Math.max(options.minClassifications(), images.size());
        Timed timed = new Timed(target);
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicLong lastReport = new AtomicLong(start);
        long[] peak = {peakKb};
        Runnable worker =
                () -> {
                    for (int attempt = next.getAndIncrement();
                            attempt < target;
                            attempt = next.getAndIncrement()) {
                        Path image = images.get(attempt % images.size());
                        long t0 = System.nanoTime();
                        try {
                            Classification c = classifier.classify(image);
                            timed.add((System.nanoTime() - t0) / 1e6, c.timings());
                        } catch (ImageException e) {
                            if (timed.fail(attempt % images.size(), image, e.getMessage())) {
                                progress.accept("Failed: " + e.getMessage());
                            }
                        }
                        long now = System.nanoTime();
                        long last = lastReport.get();
                        if (now - last > 2_000_000_000L && lastReport.compareAndSet(last, now)) {
                            long[] rss = readRss();
                            synchronized (peak) {
                                peak[0] = Math.max(peak[0], Math.max(rss[0], rss[1]));
                            }
                            progress.accept(
                                    String.format(
                                            Locale.ROOT,
                                            "%d/%d classified, %.1f images/s",
                                            timed.classified(),
                                            target,
                                            timed.classified() / ((now - start) / 1e9)));
                        }
                    }
                };
        if (options.concurrency() == 1) {
            worker.run();
        } else {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < options.concurrency(); t++) {
                Thread thread = new Thread(worker, "graft-benchmark-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    next.set(target);
                }
            }
        }
        peakKb = peak[0];
        int classified = timed.classified();
        int failed = timed.failed();
        double[] latencies = timed.latencies();
        double decode = timed.decode;
        double pre = timed.pre;
        double infer = timed.infer;
        double post = timed.post;
        double seconds = (System.nanoTime() - start) / 1e9;

        double ortMs = 0;
        if (first != null) {
            int runs = Math.max(1, Math.min(200, classified));
            progress.accept("Timing ONNX Runtime alone over " + runs + " runs");
            try {
                double[] ms =
                        classifier.timeInferenceOnly(
                                ImageInput.of(first), Math.min(options.warmup(), 10), runs);
                ortMs = Arrays.stream(ms).average().orElse(0);
            } catch (ImageException e) {
                progress.accept("Could not time ONNX Runtime alone: " + e.getMessage());
            }
        }

        long[] rssEnd = readRss();
        peakKb = Math.max(peakKb, Math.max(rssEnd[0], rssEnd[1]));
        double[] sorted = latencies;
        Arrays.sort(sorted);
        int threads = classifier.options().intraOpThreads();
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        int n = Math.max(classified, 1);
        Report report =
                new Report(
                        images.size(),
                        classified,
                        failed,
                        seconds,
                        seconds > 0 ? classified / seconds : 0,
                        decode / n,
                        pre / n,
                        infer / n,
                        post / n,
                        ortMs,
                        ortMs > 0 ? 1000.0 / ortMs : 0,
                        percentile(sorted, 0.50),
                        percentile(sorted, 0.95),
                        rssStart[0] / 1024,
                        rssEnd[0] / 1024,
                        peakKb / 1024,
                        threads,
                        options.concurrency(),
                        timed.failures());
        progress.accept("Done: " + classified + " classified, " + failed + " failed");
        return report;
    }

    /** What the timed classifications measured, added to from several threads. */
    private static final class Timed {
        private final double[] latencies;
        private final Map<Integer, Failure> failures = new TreeMap<>();
        private int classified;
        private int failed;
        private double decode;
        private double pre;
        private double infer;
        private double post;

        Timed(int capacity) {
            latencies = new double[capacity];
        }

        synchronized void add(double latencyMs, StageTimings t) {
            latencies[classified++] = latencyMs;
            decode += t.decodeMs();
            pre += t.preprocessMs();
            infer += t.inferenceMs();
            post += t.postprocessMs();
        }

        /** Counts a failure; records the image's first one. Tells whether it was its first. */
        synchronized boolean fail(int index, Path image, String reason) {
            failed++;
            return failures.putIfAbsent(index, new Failure(image, reason)) == null;
        }

        synchronized List<Failure> failures() {
            return List.copyOf(failures.values());
        }

        synchronized int classified() {
            return classified;
        }

        synchronized int failed() {
            return failed;
        }

        synchronized double[] latencies() {
            return Arrays.copyOf(latencies, classified);
        }
    }

    /** Nearest-rank percentile of sorted values; 0 for none. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** {VmRSS, VmHWM} in kB from /proc/self/status; zeros where that file does not exist. */
    static long[] readRss() {
        long[] kb = new long[2];
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return kb;
        }
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    kb[0] = parseKb(line);
                } else if (line.startsWith("VmHWM:")) {
                    kb[1] = parseKb(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[2];
        }
        return kb;
    }

    private static long parseKb(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]);
    }
}
