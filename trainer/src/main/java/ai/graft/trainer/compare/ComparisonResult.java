package ai.graft.trainer.compare;

import ai.graft.converter.GraftJson;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Comparison#run} measured and chose. While a comparison runs, its reports are written
 * after every combination from a result that is not yet {@link #complete()}, so that an
 * interruption keeps what finished.
 *
 * @param split the test images every model was measured on, and where they came from
 * @param measurements every combination in every precision, in the order they ran, failed ones too
 * @param paretoFront the measured models no other beats on both top-1 and p50 latency, fastest
 *     first
 * @param choice the best model within the budgets, and why
 * @param maxLatencyMs the latency budget (p50, ms), or null
 * @param maxSizeMb the size budget (MB), or null
 * @param planned how many measurements the comparison plans (combinations times precisions)
 * @param outDir the output folder, holding {@value Comparison#MARKDOWN}, {@value Comparison#JSON}
 *     and {@value Comparison#PLOT}
 */
public record ComparisonResult(
        TestSplit split,
        List<Measurement> measurements,
        List<Measurement> paretoFront,
        Choice choice,
        Double maxLatencyMs,
        Double maxSizeMb,
        int planned,
        Path outDir) {

    /** Copies the lists into unmodifiable ones. */
    public ComparisonResult {
        measurements = List.copyOf(measurements);
        paretoFront = List.copyOf(paretoFront);
    }

    /**
     * Whether every planned measurement is in (measured or failed).
     *
     * @return true once the comparison has finished
     */
    public boolean complete() {
        return measurements.size() == planned;
    }

    /**
     * The combinations that failed.
     *
     * @return how many measurements carry an error
     */
    public long failed() {
        return measurements.stream().filter(m -> !m.ok()).count();
    }

    /**
     * The result as one line of JSON, as {@value Comparison#JSON} holds it: {@code complete},
     * {@code planned}, {@code split} (training data, whether the test set was made here, the image
     * counts, the test fingerprint, the classes), {@code budgets}, {@code best} (a model's name or
     * null), {@code reason}, {@code paretoFront} (names), {@code models} (per model: {@code name},
     * {@code backbone}, {@code strategy}, {@code precision}, {@code ok}, {@code error}, {@code
     * model}, and when measured {@code testImages}, {@code top1}, {@code top1LossPointsVsFp32}
     * (int8 and fp16: the top-1 points lost against the same model in fp32, or null), {@code top5},
     * {@code macroF1}, {@code p50LatencyMs}, {@code p95LatencyMs}, {@code imagesPerSecond}, {@code
     * fileBytes}, {@code sizeMb}, {@code parameters}, {@code multiplyAdds}, {@code trainSeconds},
     * {@code valAccuracy}, {@code paretoFront}, {@code withinBudgets}) and {@code machine}.
     *
     * @return JSON text on one line
     */
    public String toJson() {
        return GraftJson.write(ComparisonReport.toMap(this));
    }

    /**
     * The result as {@value Comparison#MARKDOWN} holds it.
     *
     * @return Markdown text
     */
    public String toMarkdown() {
        return ComparisonReport.markdown(this);
    }
}
