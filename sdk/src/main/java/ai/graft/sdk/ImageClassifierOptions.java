package ai.graft.sdk;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link ImageClassifier} runs a model: device, threads, how many categories to return and
 * which, and overrides for what the model card would otherwise say. An immutable value; {@link
 * Builder#build()} validates it.
 *
 * <pre>{@code
 * ImageClassifierOptions options = ImageClassifierOptions.builder()
 *         .device(Device.AUTO)
 *         .topK(3)
 *         .scoreThreshold(0.1f)
 *         .build();
 * }</pre>
 */
public final class ImageClassifierOptions {
    private final Device device;
    private final int deviceId;
    private final int intraOpThreads;
    private final int topK;
    private final float scoreThreshold;
    private final Set<String> allowLabels;
    private final Set<String> denyLabels;
    private final String outputName;
    private final Preprocessing preprocessing;
    private final String preprocessingSpec;
    private final List<String> labels;
    private final Path labelsFile;
    private final long maxImagePixels;
    private final String inputName;

    private ImageClassifierOptions(Builder b) {
        this.device = b.device;
        this.deviceId = b.deviceId;
        this.intraOpThreads = b.intraOpThreads;
        this.topK = b.topK;
        this.scoreThreshold = b.scoreThreshold;
        this.allowLabels = Collections.unmodifiableSet(new LinkedHashSet<>(b.allowLabels));
        this.denyLabels = Collections.unmodifiableSet(new LinkedHashSet<>(b.denyLabels));
        this.outputName = b.outputName;
        this.preprocessing = b.preprocessing;
        this.preprocessingSpec = b.preprocessingSpec;
        this.labels = b.labels == null ? null : List.copyOf(b.labels);
        this.labelsFile = b.labelsFile;
        this.maxImagePixels = b.maxImagePixels;
        this.inputName = b.inputName;
    }

    /**
     * A builder with the defaults: CPU, device 0, ONNX Runtime's default thread count, top 5, no
     * threshold, no label filters, output and preprocessing and labels from the model, images up to
     * 100 megapixels.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default options.
     *
     * @return {@code builder().build()}
     */
    public static ImageClassifierOptions defaults() {
        return builder().build();
    }

    /**
     * A builder holding these options, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.device = device;
        b.deviceId = deviceId;
        b.intraOpThreads = intraOpThreads;
        b.topK = topK;
        b.scoreThreshold = scoreThreshold;
        b.allowLabels.addAll(allowLabels);
        b.denyLabels.addAll(denyLabels);
        b.outputName = outputName;
        b.preprocessing = preprocessing;
        b.preprocessingSpec = preprocessingSpec;
        b.labels = labels;
        b.labelsFile = labelsFile;
        b.maxImagePixels = maxImagePixels;
        b.inputName = inputName;
        return b;
    }

    /**
     * The requested device; {@link ImageClassifier#device()} tells the one in use.
     *
     * @return the device
     */
    public Device device() {
        return device;
    }

    /**
     * The CUDA device ordinal.
     *
     * @return 0 or more
     */
    public int deviceId() {
        return deviceId;
    }

    /**
     * ONNX Runtime's intra-op thread count.
     *
     * @return threads, 0 for ONNX Runtime's default (one per physical core)
     */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * The most categories a classification returns.
     *
     * @return at least 1
     */
    public int topK() {
        return topK;
    }

    /**
     * The lowest score a returned category may have.
     *
     * @return in [0, 1]
     */
    public float scoreThreshold() {
        return scoreThreshold;
    }

    /**
     * The labels (or class indices) that may be returned; empty for all. See {@link
     * Builder#allowLabels(Collection)}.
     *
     * @return an unmodifiable set
     */
    public Set<String> allowLabels() {
        return allowLabels;
    }

    /**
     * The labels (or class indices) that are never returned.
     *
     * @return an unmodifiable set
     */
    public Set<String> denyLabels() {
        return denyLabels;
    }

    /**
     * The classification output's name.
     *
     * @return the name, or null for the card's {@code graft.output.name}, else the first output
     */
    public String outputName() {
        return outputName;
    }

    /**
     * The preprocessing that overrides the model's.
     *
     * @return the preprocessing, or null
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * The preprocessing, by name or JSON, that overrides the model's, resolved against the model's
     * input size when the classifier is created.
     *
     * @return {@code imagenet}, {@code caffe}, {@code raw}, {@code unit} or JSON; or null
     */
    public String preprocessingSpec() {
        return preprocessingSpec;
    }

    /**
     * The labels that override the model's.
     *
     * @return an unmodifiable list, or null
     */
    public List<String> labels() {
        return labels;
    }

    /**
     * The labels file that overrides the model's labels.
     *
     * @return the file, or null
     */
    public Path labelsFile() {
        return labelsFile;
    }

    /**
     * The largest image, in pixels, that is decoded; larger files are refused before decoding.
     *
     * @return pixels
     */
    public long maxImagePixels() {
        return maxImagePixels;
    }

    /**
     * The name of the image input.
     *
     * @return the name, or null for the model's only 4-D float input
     */
    public String inputName() {
        return inputName;
    }

    @Override
    public String toString() {
        return "ImageClassifierOptions[device="
                + device
                + (device == Device.CPU ? "" : ", deviceId=" + deviceId)
                + ", intraOpThreads="
                + intraOpThreads
                + ", topK="
                + topK
                + ", scoreThreshold="
                + scoreThreshold
                + (allowLabels.isEmpty() ? "" : ", allowLabels=" + allowLabels)
                + (denyLabels.isEmpty() ? "" : ", denyLabels=" + denyLabels)
                + (outputName == null ? "" : ", outputName=" + outputName)
                + (preprocessing == null ? "" : ", preprocessing=" + preprocessing)
                + (preprocessingSpec == null ? "" : ", preprocessing=" + preprocessingSpec)
                + (labels == null ? "" : ", labels=" + labels.size())
                + (labelsFile == null ? "" : ", labelsFile=" + labelsFile)
                + ", maxImagePixels="
                + maxImagePixels
                + (inputName == null ? "" : ", inputName=" + inputName)
                + "]";
    }

    /** Builds {@link ImageClassifierOptions}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private Device device = Device.CPU;
        private int deviceId;
        private int intraOpThreads;
        private int topK = 5;
        private float scoreThreshold;
        private final Set<String> allowLabels = new LinkedHashSet<>();
        private final Set<String> denyLabels = new LinkedHashSet<>();
        private String outputName;
        private Preprocessing preprocessing;
        private String preprocessingSpec;
        private List<String> labels;
        private Path labelsFile;
        private long maxImagePixels = Images.DEFAULT_MAX_PIXELS;
        private String inputName;

        private Builder() {}

        /**
         * Sets the device; default {@link Device#CPU}.
         *
         * @param device CPU, CUDA (falls back to CPU with a warning) or AUTO
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        /**
         * Sets the CUDA device ordinal; default 0.
         *
         * @param deviceId 0 or more
         * @return this builder
         */
        public Builder deviceId(int deviceId) {
            this.deviceId = deviceId;
            return this;
        }

        /**
         * Sets ONNX Runtime's intra-op thread count; default 0, ONNX Runtime's choice.
         *
         * @param intraOpThreads 0 or more
         * @return this builder
         */
        public Builder intraOpThreads(int intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        /**
         * Sets the most categories a classification returns; default 5. Use {@code
         * Integer.MAX_VALUE} for all.
         *
         * @param topK at least 1
         * @return this builder
         */
        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        /**
         * Sets the lowest score a returned category may have; default 0.
         *
         * @param scoreThreshold in [0, 1]
         * @return this builder
         */
        public Builder scoreThreshold(float scoreThreshold) {
            this.scoreThreshold = scoreThreshold;
            return this;
        }

        /**
         * Returns only these classes (scores stay those of all classes: they are not renormalised).
         * Each value names classes as {@link ImageClassifier#create} resolves it: every class whose
         * label is exactly the value, as the model spells it (ImageNet's {@code "fox squirrel,
         * eastern fox squirrel, Sciurus niger"} whole, commas and all); else, when the value is a
         * decimal number such as {@code "335"}, the class with that index. So a label that is
         * itself a number means that label, not the index. A value that names no class makes {@code
         * create} throw {@link UnknownLabelException}.
         *
         * @param labels labels or class indices; empty for all
         * @return this builder
         */
        public Builder allowLabels(Collection<String> labels) {
            allowLabels.clear();
            allowLabels.addAll(Objects.requireNonNull(labels, "labels"));
            return this;
        }

        /**
         * Never returns these classes. Each value is a label or a class index, resolved as for
         * {@link #allowLabels(Collection)}; deny wins over allow.
         *
         * @param labels labels or class indices
         * @return this builder
         */
        public Builder denyLabels(Collection<String> labels) {
            denyLabels.clear();
            denyLabels.addAll(Objects.requireNonNull(labels, "labels"));
            return this;
        }

        /**
         * Sets the classification output; default: the card's {@code graft.output.name}, else the
         * model's first output.
         *
         * @param outputName an output name, or null
         * @return this builder
         */
        public Builder outputName(String outputName) {
            this.outputName = outputName;
            return this;
        }

        /**
         * Overrides the model's preprocessing. Replaces an earlier {@link #preprocessing(String)}.
         *
         * @param preprocessing the preprocessing, or null for the model's
         * @return this builder
         */
        public Builder preprocessing(Preprocessing preprocessing) {
            this.preprocessing = preprocessing;
            this.preprocessingSpec = null;
            return this;
        }

        /**
         * Overrides the model's preprocessing by preset name or JSON, sized from the model's input
         * when the name or JSON does not say (see {@link Preprocessing#parse}). Replaces an earlier
         * {@link #preprocessing(Preprocessing)}.
         *
         * @param nameOrJson {@code imagenet}, {@code caffe}, {@code raw}, {@code unit} or a JSON
         *     object; or null for the model's
         * @return this builder
         */
        public Builder preprocessing(String nameOrJson) {
            this.preprocessingSpec = nameOrJson;
            this.preprocessing = null;
            return this;
        }

        /**
         * Overrides the model's labels. Replaces an earlier {@link #labelsFile(Path)}.
         *
         * @param labels one label per class, index = class index; or null for the model's
         * @return this builder
         */
        public Builder labels(List<String> labels) {
            this.labels = labels == null ? null : List.copyOf(labels);
            this.labelsFile = null;
            return this;
        }

        /**
         * Overrides the model's labels with a file: one label per line (line {@code i + 1} is class
         * {@code i}), or a JSON array of strings. Replaces an earlier {@link #labels(List)}.
         *
         * @param labelsFile the file, or null for the model's
         * @return this builder
         */
        public Builder labelsFile(Path labelsFile) {
            this.labelsFile = labelsFile;
            this.labels = null;
            return this;
        }

        /**
         * Sets the largest image, in pixels, that is decoded; default {@value
         * Images#DEFAULT_MAX_PIXELS}. Files whose header says more are refused before decoding.
         *
         * @param maxImagePixels at least 1
         * @return this builder
         */
        public Builder maxImagePixels(long maxImagePixels) {
            this.maxImagePixels = maxImagePixels;
            return this;
        }

        /**
         * Sets the image input's name; default: the model's only 4-D float input.
         *
         * @param inputName an input name, or null
         * @return this builder
         */
        public Builder inputName(String inputName) {
            this.inputName = inputName;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException naming the first invalid value
         */
        public ImageClassifierOptions build() {
            if (device == null) {
                throw new IllegalArgumentException(
                        "device must not be null, expected CPU, CUDA or AUTO");
            }
            if (deviceId < 0) {
                throw new IllegalArgumentException("deviceId must be >= 0, got " + deviceId);
            }
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException(
                        "intraOpThreads must be >= 0 (0 = ONNX Runtime's default), got "
                                + intraOpThreads);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be >= 1, got " + topK);
            }
            if (!(scoreThreshold >= 0f && scoreThreshold <= 1f)) {
                throw new IllegalArgumentException(
                        "scoreThreshold must be in [0, 1], got " + scoreThreshold);
            }
            for (String l : allowLabels) {
                if (l == null || l.isEmpty()) {
                    throw new IllegalArgumentException(
                            "allowLabels must not hold null or empty labels");
                }
            }
            for (String l : denyLabels) {
                if (l == null || l.isEmpty()) {
                    throw new IllegalArgumentException(
                            "denyLabels must not hold null or empty labels");
                }
            }
            if (outputName != null && outputName.isEmpty()) {
                throw new IllegalArgumentException("outputName must not be empty (null = default)");
            }
            if (inputName != null && inputName.isEmpty()) {
                throw new IllegalArgumentException("inputName must not be empty (null = default)");
            }
            if (preprocessingSpec != null && preprocessingSpec.isBlank()) {
                throw new IllegalArgumentException(
                        "preprocessing must not be blank, expected imagenet, caffe, raw, unit or JSON");
            }
            if (labels != null) {
                if (labels.isEmpty()) {
                    throw new IllegalArgumentException(
                            "labels must not be empty (null = the model's)");
                }
                for (int i = 0; i < labels.size(); i++) {
                    if (labels.get(i).isBlank()) {
                        throw new IllegalArgumentException("label " + i + " is blank");
                    }
                }
            }
            if (maxImagePixels < 1) {
                throw new IllegalArgumentException(
                        "maxImagePixels must be >= 1, got " + maxImagePixels);
            }
            return new ImageClassifierOptions(this);
        }
    }
}
