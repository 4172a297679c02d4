package ai.graft.samples;

import ai.graft.sdk.FrameSource;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.RunningMode;
import ai.graft.sdk.SourceException;
import ai.graft.sdk.VideoClassifierOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command-line arguments the camera samples share ({@code --name value} pairs), and how they
 * pick a model and a source: a camera, or a video file when there is none.
 */
final class SampleArgs {
    /** The names this class reads itself: the model, its labels and preprocessing, the source. */
    static final List<String> SOURCE_ARGS =
            List.of("model", "labels", "preprocess", "camera", "video", "source");

    private final Map<String, String> values = new LinkedHashMap<>();

    private SampleArgs() {}

    /**
     * Parses {@code --name value} pairs, accepting {@link #SOURCE_ARGS} and then {@code extra}; on
     * an unknown or incomplete argument prints why and exits with status 2.
     *
     * @param args the arguments
     * @param extra the sample's own names, after the shared ones
     * @return the parsed arguments
     */
    static SampleArgs parseOrExit(String[] args, String... extra) {
        List<String> known = new ArrayList<>(SOURCE_ARGS);
        known.addAll(List.of(extra));
        try {
            return parse(args, known);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e; // not reached
        }
    }

    /**
     * Parses {@code --name value} pairs.
     *
     * @param args the arguments
     * @param known the names the sample accepts
     * @return the parsed arguments
     * @throws IllegalArgumentException naming an unknown or incomplete argument
     */
    static SampleArgs parse(String[] args, List<String> known) {
        SampleArgs parsed = new SampleArgs();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!name.startsWith("--") || !known.contains(name.substring(2))) {
                throw new IllegalArgumentException(
                        "Unknown argument '" + name + "', expected one of --" + known);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            parsed.values.put(name.substring(2), args[i + 1]);
        }
        return parsed;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int getInt(String name, int fallback) {
        String value = values.get(name);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a number, got " + value);
        }
    }

    /**
     * Graft's shared data folder: {@code -Dgraft.data}, else {@code GRAFT_DATA}, else {@code
     * ../shared/data} from the project root or from the samples folder.
     */
    static Path dataFolder() {
        String prop = System.getProperty("graft.data");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("GRAFT_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path beside = Path.of("../shared/data");
        return Files.isDirectory(beside) ? beside : Path.of("../../shared/data");
    }

    /** The model: {@code --model}, else the shared data's SqueezeNet 1.1. */
    Path model() {
        String model = values.get("model");
        return model != null
                ? Path.of(model)
                : dataFolder().resolve("models/squeezenet1.1.onnx").normalize();
    }

    /**
     * The classifier options: {@code --labels} and {@code --preprocess} when given; for the default
     * SqueezeNet, which has no model card, its ImageNet labels and Caffe preprocessing.
     */
    ImageClassifierOptions classifierOptions(int topK) {
        ImageClassifierOptions.Builder builder = ImageClassifierOptions.builder().topK(topK);
        boolean defaultModel = !values.containsKey("model");
        String labels = values.get("labels");
        if (labels == null && defaultModel) {
            labels = dataFolder().resolve("labels/imagenet_classes.txt").normalize().toString();
        }
        if (labels != null) {
            builder.labelsFile(Path.of(labels));
        }
        String preprocess = values.getOrDefault("preprocess", defaultModel ? "caffe" : null);
        if (preprocess != null) {
            builder.preprocessing(preprocess);
        }
        return builder.build();
    }

    /**
     * Opens {@code --source} when given; else camera {@code --camera} (default 0), and where that
     * fails, {@code --video} (default: the shared data's {@code video/vtest.avi}), saying so.
     *
     * @return the open source; the caller closes it
     * @throws SourceException when neither opens
     */
    FrameSource openSource() throws SourceException {
        String source = values.get("source");
        if (source != null) {
            return FrameSource.open(source);
        }
        String camera = get("camera", "0");
        try {
            return FrameSource.open(camera);
        } catch (SourceException noCamera) {
            String video =
                    get("video", dataFolder().resolve("video/vtest.avi").normalize().toString());
            System.err.println(noCamera.getMessage());
            System.err.println("No camera " + camera + ": showing the video file " + video);
            return FrameSource.open(video);
        }
    }

    /**
     * Video options for watching {@code source} live: the newest frame wins, as a camera demo
     * should; a file plays at its own frame rate, like a camera, while cameras pace themselves.
     */
    static VideoClassifierOptions.Builder liveOptions(FrameSource source) {
        return VideoClassifierOptions.builder()
                .runningMode(RunningMode.LIVE)
                .realtimeFactor(source.isLive() ? 0 : 1);
    }
}
