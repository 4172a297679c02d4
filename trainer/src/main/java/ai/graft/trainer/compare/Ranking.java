package ai.graft.trainer.compare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Ranks measured models: the Pareto front of accuracy against latency, and the best model within
 * the budgets. The best is the highest top-1 accuracy on the test images; ties go to the higher
 * macro F1, then the lower median latency, then the smaller file. Budgets bound the median (p50)
 * end-to-end latency and the file size in MB (10^6 bytes).
 */
final class Ranking {
    /** Best first: top-1, then macro F1, then latency, then size. */
    static final Comparator<Measurement> BEST_FIRST =
            Comparator.comparingDouble(Measurement::top1)
                    .reversed()
                    .thenComparing(Comparator.comparingDouble(Measurement::macroF1).reversed())
                    .thenComparingDouble(Measurement::p50LatencyMs)
                    .thenComparingLong(Measurement::fileBytes);

    private Ranking() {}

    /**
     * The measured models that no other beats on both top-1 accuracy and median latency (at least
     * as good on both and better on one), fastest first.
     */
    static List<Measurement> paretoFront(List<Measurement> all) {
        List<Measurement> ok = all.stream().filter(Measurement::ok).toList();
        List<Measurement> front = new ArrayList<>();
        for (Measurement m : ok) {
            boolean dominated = false;
            for (Measurement o : ok) {
                if (o != m
                        && o.top1() >= m.top1()
                        && o.p50LatencyMs() <= m.p50LatencyMs()
                        && (o.top1() > m.top1() || o.p50LatencyMs() < m.p50LatencyMs())) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(m);
            }
        }
        front.sort(Comparator.comparingDouble(Measurement::p50LatencyMs));
        return front;
    }

    /** Whether a model fits the budgets (null: no budget). */
    static boolean fits(Measurement m, Double maxLatencyMs, Double maxSizeMb) {
        return m.ok()
                && (maxLatencyMs == null || m.p50LatencyMs() <= maxLatencyMs)
                && (maxSizeMb == null || m.sizeMb() <= maxSizeMb);
    }

    /** The best model within the budgets, and why. */
    static Choice choose(List<Measurement> all, Double maxLatencyMs, Double maxSizeMb) {
        List<Measurement> ok = all.stream().filter(Measurement::ok).toList();
        if (ok.isEmpty()) {
            return new Choice(
                    null,
                    all.isEmpty()
                            ? "No model was measured."
                            : "No model was measured: every combination failed.");
        }
        String budgets = budgets(maxLatencyMs, maxSizeMb);
        List<Measurement> fitting =
                ok.stream()
                        .filter(m -> fits(m, maxLatencyMs, maxSizeMb))
                        .sorted(BEST_FIRST)
                        .toList();
        if (fitting.isEmpty()) {
            Measurement fastest =
                    ok.stream().min(Comparator.comparingDouble(Measurement::p50LatencyMs)).get();
            Measurement smallest =
                    ok.stream().min(Comparator.comparingLong(Measurement::fileBytes)).get();
            return new Choice(
                    null,
                    String.format(
                            Locale.ROOT,
                            "No model fits the budgets (%s): the fastest, %s, takes %.2f ms at"
                                    + " p50 (%.2f MB); the smallest, %s, is %.2f MB (%.2f ms).",
                            budgets,
                            fastest.name(),
                            fastest.p50LatencyMs(),
                            fastest.sizeMb(),
                            smallest.name(),
                            smallest.sizeMb(),
                            smallest.p50LatencyMs()));
        }
        Measurement best = fitting.get(0);
        StringBuilder why = new StringBuilder();
        why.append(
                String.format(
                        Locale.ROOT,
                        "%s has the highest top-1 accuracy on the %d test images, %.4f (macro F1"
                                + " %.4f), of the %d measured model%s %s; p50 %.2f ms, %.2f"
                                + " MB.",
                        best.name(),
                        best.testImages(),
                        best.top1(),
                        best.macroF1(),
                        fitting.size(),
                        fitting.size() == 1 ? "" : "s",
                        budgets.isEmpty()
                                ? "(no budgets given)"
                                : "within the budgets (" + budgets + ")",
                        best.p50LatencyMs(),
                        best.sizeMb()));
        if (fitting.size() > 1 && fitting.get(1).top1() == best.top1()) {
            why.append(" Tied on top-1 with ")
                    .append(fitting.get(1).name())
                    .append(", it wins on macro F1, then latency, then size.");
        }
        ok.stream()
                .filter(m -> !fits(m, maxLatencyMs, maxSizeMb) && m.top1() > best.top1())
                .sorted(BEST_FIRST)
                .findFirst()
                .ifPresent(
                        better ->
                                why.append(
                                        String.format(
                                                Locale.ROOT,
                                                " %s is more accurate (%.4f) but over budget: %s.",
                                                better.name(),
                                                better.top1(),
                                                overBy(better, maxLatencyMs, maxSizeMb))));
        return new Choice(best, why.toString());
    }

    private static String budgets(Double maxLatencyMs, Double maxSizeMb) {
        List<String> parts = new ArrayList<>();
        if (maxLatencyMs != null) {
            parts.add(String.format(Locale.ROOT, "p50 latency at most %s ms", num(maxLatencyMs)));
        }
        if (maxSizeMb != null) {
            parts.add(String.format(Locale.ROOT, "file at most %s MB", num(maxSizeMb)));
        }
        return String.join(", ", parts);
    }

    private static String overBy(Measurement m, Double maxLatencyMs, Double maxSizeMb) {
        List<String> parts = new ArrayList<>();
        if (maxLatencyMs != null && m.p50LatencyMs() > maxLatencyMs) {
            parts.add(
                    String.format(
                            Locale.ROOT,
                            "p50 %.2f ms > %s ms",
                            m.p50LatencyMs(),
                            num(maxLatencyMs)));
        }
        if (maxSizeMb != null && m.sizeMb() > maxSizeMb) {
            parts.add(String.format(Locale.ROOT, "%.2f MB > %s MB", m.sizeMb(), num(maxSizeMb)));
        }
        return String.join(", ", parts);
    }

    /** A budget as given: 20 rather than 20.0. */
    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
