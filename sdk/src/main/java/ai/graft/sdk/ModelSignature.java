package ai.graft.sdk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A model's inputs, outputs and metadata as ONNX Runtime reports them. Dimensions that the model
 * leaves dynamic are {@code -1}.
 *
 * @param inputName the name of the image input
 * @param inputShape its shape, for example {@code [-1, 3, 224, 224]}
 * @param outputNames the names of all outputs, in model order
 * @param outputShapes their shapes, in the same order
 * @param metadata the model's {@code metadata_props} (the model card and anything else)
 * @param producer the producer name recorded in the model, or an empty string
 * @param graphName the graph's name, or an empty string
 */
public record ModelSignature(
        String inputName,
        long[] inputShape,
        List<String> outputNames,
        List<long[]> outputShapes,
        Map<String, String> metadata,
        String producer,
        String graphName) {

    /**
     * Copies every array, list and map, so that the value cannot change.
     *
     * @param inputName the image input name
     * @param inputShape its shape
     * @param outputNames all output names
     * @param outputShapes their shapes
     * @param metadata the model metadata
     * @param producer the producer name
     * @param graphName the graph name
     */
    public ModelSignature {
        inputShape = inputShape.clone();
        outputNames = List.copyOf(outputNames);
        List<long[]> shapes = new ArrayList<>(outputShapes.size());
        for (long[] s : outputShapes) {
            shapes.add(s.clone());
        }
        outputShapes = List.copyOf(shapes);
        metadata = Map.copyOf(metadata);
        producer = producer == null ? "" : producer;
        graphName = graphName == null ? "" : graphName;
    }

    /**
     * The input shape; a copy.
     *
     * @return the dimensions, {@code -1} where dynamic
     */
    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * The output shapes; copies.
     *
     * @return one array per output
     */
    @Override
    public List<long[]> outputShapes() {
        List<long[]> shapes = new ArrayList<>(outputShapes.size());
        for (long[] s : outputShapes) {
            shapes.add(s.clone());
        }
        return shapes;
    }

    /**
     * The shape of a named output.
     *
     * @param name an output name
     * @return its shape, a copy
     * @throws IllegalArgumentException when the model has no such output
     */
    public long[] outputShape(String name) {
        int i = outputNames.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(
                    "Unknown output '" + name + "', expected one of " + outputNames);
        }
        return outputShapes.get(i).clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelSignature s)) {
            return false;
        }
        if (!inputName.equals(s.inputName)
                || !Arrays.equals(inputShape, s.inputShape)
                || !outputNames.equals(s.outputNames)
                || !metadata.equals(s.metadata)
                || !producer.equals(s.producer)
                || !graphName.equals(s.graphName)
                || outputShapes.size() != s.outputShapes.size()) {
            return false;
        }
        for (int i = 0; i < outputShapes.size(); i++) {
            if (!Arrays.equals(outputShapes.get(i), s.outputShapes.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = inputName.hashCode() * 31 + Arrays.hashCode(inputShape);
        h = h * 31 + outputNames.hashCode();
        for (long[] s : outputShapes) {
            h = h * 31 + Arrays.hashCode(s);
        }
        return h * 31 + metadata.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("ModelSignature[input ").append(inputName).append(' ');
        sb.append(Arrays.toString(inputShape)).append(", outputs");
        for (int i = 0; i < outputNames.size(); i++) {
            sb.append(i == 0 ? " " : ", ").append(outputNames.get(i)).append(' ');
            sb.append(Arrays.toString(outputShapes.get(i)));
        }
        if (!producer.isEmpty()) {
            sb.append(", producer ").append(producer);
        }
        return sb.append(']').toString();
    }
}
