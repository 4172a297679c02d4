package ai.graft.trainer.demo;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.eval.EvaluationResult;
import ai.graft.trainer.eval.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Transfer learning in a few minutes with no data and no download: a small zoo backbone is trained
 * on one synthetic task ({@link SyntheticShapes#SOURCE_TASK}), then transferred to a related task
 * with only a few images per class ({@link SyntheticShapes#TARGET_TASK}); the same architecture
 * trained from scratch on those few images is the baseline. Both are measured on a held-out test
 * set through the SDK, and the transferred model, one ONNX file with its card, classifies a few
 * test images.
 *
 * <pre>{@code
 * Demo.Result r = Demo.run(Demo.Options.defaults(Path.of("graft-demo")), System.out::println);
 * System.out.println(r.transferAccuracy() + " vs " + r.scratchAccuracy());
 * }</pre>
 */
public final class Demo {
    private Demo() {}

    /**
     * What the demo makes and trains.
     *
     * @param outDir where the images, models and reports go
     * @param architecture a zoo architecture
     * @param imageSize the side of the square images and of the model input
     * @param sourcePerClass images per class of the pretraining task
     * @param sourceEpochs epochs of pretraining
     * @param targetPerClass training images per class of the transfer task (few)
     * @param testPerClass test images per class of the transfer task
     * @param targetEpochs epochs of transfer and of the scratch baseline
     * @param seed seeds the images, the splits and the initial weights
     */
    public record Options(
            Path outDir,
            String architecture,
            int imageSize,
            int sourcePerClass,
            int sourceEpochs,
            int targetPerClass,
            int testPerClass,
            int targetEpochs,
            long seed) {
        /** Checks the values. */
        public Options {
            Objects.requireNonNull(outDir, "outDir");
            Objects.requireNonNull(architecture, "architecture");
            if (imageSize < 32 || sourcePerClass < 4 || targetPerClass < 2 || testPerClass < 1) {
                throw new IllegalArgumentException(
                        "Demo needs images of at least 32 pixels, 4 source and 2 target images"
                                + " per class and 1 test image per class");
            }
            if (sourceEpochs < 1 || targetEpochs < 1) {
                throw new IllegalArgumentException("Demo epochs must be at least 1");
            }
        }

        /**
         * The defaults: smallcnn on 48 x 48 images, 150 images per class to pretrain, 8 per class
         * to transfer, 40 per class to test.
         *
         * @param outDir where everything goes
         * @return the options
         */
        public static Options defaults(Path outDir) {
            return new Options(outDir, "smallcnn", 48, 150, 24, 8, 40, 30, 7);
        }
    }

    /**
     * What the demo measured.
     *
     * @param transferAccuracy test accuracy of the transferred model
     * @param scratchAccuracy test accuracy of the same architecture trained from scratch
     * @param sourceAccuracy validation accuracy of the pretrained backbone on its own task
     * @param transferModel the transferred model's ONNX file
     * @param testImages test images of the transfer task
     * @param seconds wall time
     */
    public record Result(
            double transferAccuracy,
            double scratchAccuracy,
            double sourceAccuracy,
            Path transferModel,
            int testImages,
            double seconds) {}

    /**
     * Makes the data, pretrains, transfers, trains the baseline, measures and classifies.
     *
     * @param options what to do
     * @param monitor receives the lines to keep and the training status
     * @return the figures
     * @throws GraftException when training, export or evaluation fails
     * @throws IOException when the images cannot be written
     */
    public static Result run(Options options, TrainingMonitor monitor)
            throws GraftException, IOException {
        long start = System.nanoTime();
        Path out = Files.createDirectories(options.outDir());
        Path sourceData = out.resolve("data/source");
        Path targetData = out.resolve("data/target");
        int size = options.imageSize();
        monitor.log(
                "making images: "
                        + SyntheticShapes.SOURCE_TASK.size()
                        + " shapes x "
                        + options.sourcePerClass()
                        + " to pretrain, "
                        + SyntheticShapes.TARGET_TASK.size()
                        + " new shapes x "
                        + options.targetPerClass()
                        + " to transfer ("
                        + size
                        + "x"
                        + size
                        + ")");
        long seed = options.seed();
        writeOnce(
                sourceData.resolve("train"),
                SyntheticShapes.SOURCE_TASK,
                options.sourcePerClass(),
                size,
                seed);
        writeOnce(sourceData.resolve("val"), SyntheticShapes.SOURCE_TASK, 20, size, seed + 1);
        writeOnce(
                targetData.resolve("train"),
                SyntheticShapes.TARGET_TASK,
                options.targetPerClass(),
                size,
                seed + 2);
        writeOnce(
                targetData.resolve("val"),
                SyntheticShapes.TARGET_TASK,
                options.targetPerClass(),
                size,
                seed + 3);
        writeOnce(
                targetData.resolve("test"),
                SyntheticShapes.TARGET_TASK,
                options.testPerClass(),
                size,
                seed + 4);

        // The images are exactly the input size: stretch is then no resize at all. They are drawn
        // at random positions, sizes and rotations already, and a random crop could cut the
        // shape out of the picture, so the runs train without augmentation.
        String preprocess =
                Preprocessing.imagenet(size, size).toBuilder()
                        .resize(Preprocessing.Resize.STRETCH)
                        .build()
                        .toJson();
        TrainingMonitor indented = indented(monitor);

        monitor.log(
                "1/3 pretraining " + options.architecture() + " from scratch on the source task");
        TrainingResult source =
                Trainer.train(
                        TrainingOptions.builder(
                                        sourceData,
                                        options.architecture(),
                                        out.resolve("pretrained"))
                                .strategy(Strategy.SCRATCH)
                                .preprocess(preprocess)
                                .epochs(options.sourceEpochs())
                                .learningRate(0.02)
                                .augment(false)
                                .seed(seed)
                                .build(),
                        indented);

        monitor.log(
                "2/3 transferring it to the new shapes, "
                        + options.targetPerClass()
                        + " images per class");
        TrainingResult transfer =
                Trainer.train(
                        TrainingOptions.builder(
                                        targetData,
                                        source.model().toString(),
                                        out.resolve("transfer"))
                                .strategy(Strategy.FULL)
                                .epochs(options.targetEpochs())
                                .augment(false)
                                .seed(seed)
                                .build(),
                        indented);

        monitor.log("3/3 the baseline: the same architecture from scratch on the same few images");
        TrainingResult scratch =
                Trainer.train(
                        TrainingOptions.builder(
                                        targetData, options.architecture(), out.resolve("scratch"))
                                .strategy(Strategy.SCRATCH)
                                .preprocess(preprocess)
                                .epochs(options.targetEpochs())
                                .augment(false)
                                .seed(seed)
                                .build(),
                        indented);

        ImageDataset test = Datasets.classFolders(targetData.resolve("test"));
        EvaluationResult transferTest;
        EvaluationResult scratchTest;
        try (ImageClassifier model = ImageClassifier.createFromFile(transfer.model())) {
            transferTest = Evaluator.evaluate(model, test, TrainingMonitor.SILENT);
            monitor.log("the transferred model, " + transfer.model() + ", on a few test images:");
            for (Path image : examples(targetData.resolve("test"))) {
                Classification c = model.classify(image);
                Category best = c.top().get(0);
                monitor.log(
                        String.format(
                                java.util.Locale.ROOT,
                                "  %-28s -> %-10s %.3f",
                                targetData.relativize(image),
                                best.label(),
                                best.score()));
            }
        }
        try (ImageClassifier model = ImageClassifier.createFromFile(scratch.model())) {
            scratchTest = Evaluator.evaluate(model, test, TrainingMonitor.SILENT);
        }
        return new Result(
                transferTest.accuracy(),
                scratchTest.accuracy(),
                source.valAccuracy(),
                transfer.model(),
                test.size(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Writes a dataset folder unless an earlier run of the same demo already did. */
    private static void writeOnce(Path dir, List<String> classes, int perClass, int size, long seed)
            throws IOException {
        Path done = dir.resolve(".complete");
        String stamp = classes + " " + perClass + " " + size + " " + seed + "\n";
        if (Files.exists(done) && Files.readString(done).equals(stamp)) {
            return;
        }
        SyntheticShapes.write(dir, classes, perClass, size, seed);
        Files.writeString(done, stamp);
    }

    /** The first test image of each class. */
    private static List<Path> examples(Path testDir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String name : SyntheticShapes.TARGET_TASK) {
            try (Stream<Path> s = Files.list(testDir.resolve(name))) {
                s.filter(p -> p.toString().endsWith(".png"))
                        .sorted()
                        .findFirst()
                        .ifPresent(files::add);
            }
        }
        return files;
    }

    /** The training runs' lines, indented under the demo's own steps. */
    private static TrainingMonitor indented(TrainingMonitor monitor) {
        return TrainingMonitor.of(line -> monitor.log("    " + line), monitor::status);
    }
}
