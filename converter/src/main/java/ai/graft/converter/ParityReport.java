package ai.graft.converter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How closely two models agree on the same inputs, per output they have in common.
 *
 * @param modelA the first model's name
 * @param modelB the second model's name
 * @param seed the seed of the random inputs
 * @param batchSize the batch size of the random runs
 * @param randomRuns how many random batches were run
 * @param images how many real images were run
 * @param outputs one entry per compared output
 */
public record ParityReport(
        String modelA,
        String modelB,
        long seed,
        int batchSize,
        int randomRuns,
        int images,
        List<Output> outputs) {
    /** Makes the list unmodifiable. */
    public ParityReport {
        outputs = List.copyOf(outputs);
    }

    /**
     * The differences for one output, over all runs.
     *
     * @param name the output name in model A
     * @param nameB the output name in model B (the same unless paired by position)
     * @param shape its shape in the last run
     * @param elements how many values were compared
     * @param maxAbsDiff the largest |a - b|
     * @param maxRelDiff the largest |a - b| / max(|a|, |b|) (0 where both are 0)
     * @param top1Agreement the fraction of samples whose largest value is at the same index in
     *     both, or NaN for outputs with one value per sample
     */
    public record Output(
            String name,
            String nameB,
            long[] shape,
            long elements,
            double maxAbsDiff,
            double maxRelDiff,
            double top1Agreement) {}

    /**
     * The largest absolute difference over all outputs.
     *
     * @return the maximum, 0 when there are no outputs
     */
    public double maxAbsDiff() {
        return outputs.stream().mapToDouble(Output::maxAbsDiff).max().orElse(0);
    }

    /**
     * The largest relative difference over all outputs.
     *
     * @return the maximum, 0 when there are no outputs
     */
    public double maxRelDiff() {
        return outputs.stream().mapToDouble(Output::maxRelDiff).max().orElse(0);
    }

    /**
     * The differences for one output.
     *
     * @param name the output name (in model A)
     * @return its entry
     * @throws IllegalArgumentException if that output was not compared
     */
    public Output output(String name) {
        return outputs.stream()
                .filter(o -> o.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "Output '" + name + "' was not compared"));
    }

    /**
     * This report as compact JSON, with the record's component names as keys.
     *
     * @return JSON text
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelA", modelA);
        m.put("modelB", modelB);
        m.put("seed", seed);
        m.put("batchSize", batchSize);
        m.put("randomRuns", randomRuns);
        m.put("images", images);
        m.put("maxAbsDiff", maxAbsDiff());
        m.put("maxRelDiff", maxRelDiff());
        List<Object> list = new ArrayList<>();
        for (Output o : outputs) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", o.name());
            e.put("nameB", o.nameB());
            e.put("shape", o.shape());
            e.put("elements", o.elements());
            e.put("maxAbsDiff", o.maxAbsDiff());
            e.put("maxRelDiff", o.maxRelDiff());
            e.put("top1Agreement", o.top1Agreement());
            list.add(e);
        }
        m.put("outputs", list);
        return GraftJson.write(m);
    }
}
