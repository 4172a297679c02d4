package ai.graft.trainer.compare;

import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Splits;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one split every combination shares: the held-out test images all models are measured on, and
 * the data the runs train on, which holds the training and validation images only. The data's own
 * test split is used when it has one; otherwise a seeded stratified half of each validation class
 * is held out ({@link Splits#withTestFromValidation}) and the three sets are written to a manifest
 * ({@value #MANIFEST}) that every run trains on, so that no run can see a test image.
 *
 * @param trainingData what the runs train on: the data itself, or the manifest
 * @param train the training images (before any per-class limit), which also calibrate the INT8
 *     models
 * @param test the test images
 * @param made whether the test set was held out here (false: the data's own)
 * @param valImages validation images
 */
public record TestSplit(
        Path trainingData, ImageDataset train, ImageDataset test, boolean made, int valImages) {

    /** The manifest of a split made here, in the comparison's output folder. */
    public static final String MANIFEST = "split.csv";

    /** The share of each validation class held out as test images when the data has none. */
    public static final double SHARE_OF_VALIDATION = 0.5;

    /**
     * Opens the data, takes or makes its test set, and logs the sizes and the fingerprint.
     *
     * @param options the data, seed, validation share and per-class minimum
     * @param outDir where a made split's manifest goes
     * @param monitor where the line goes
     * @return the split
     * @throws DatasetException when the data cannot be read, or a test set must be made of images
     *     held in memory (IDX data without a test pair)
     * @throws IllegalArgumentException when there are no validation images to make a test set of
     */
    static TestSplit prepare(ComparisonOptions options, Path outDir, TrainingMonitor monitor)
            throws DatasetException {
        Splits splits =
                Datasets.open(
                        options.data(),
                        options.valFraction(),
                        options.seed(),
                        options.minPerClass());
        boolean made = splits.test() == null || splits.test().size() == 0;
        Path trainingData = options.data();
        if (made) {
            splits =
                    new Splits(splits.train(), splits.val(), null)
                            .withTestFromValidation(SHARE_OF_VALIDATION, options.seed());
            trainingData = outDir.resolve(MANIFEST);
            Datasets.writeManifest(trainingData, splits);
        }
        TestSplit split =
                new TestSplit(
                        trainingData,
                        splits.train(),
                        splits.test(),
                        made,
                        splits.val() == null ? 0 : splits.val().size());
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "split: %d training, %d validation and %d test images (%s), test"
                                + " fingerprint %s",
                        split.trainImages(),
                        split.valImages,
                        split.test.size(),
                        split.source(),
                        split.fingerprint().substring(0, 16)));
        return split;
    }

    /**
     * @return training images (before any per-class limit)
     */
    public int trainImages() {
        return train.size();
    }

    /**
     * Where the test images came from, in words.
     *
     * @return for example {@code held out of the validation images}
     */
    public String source() {
        return made
                ? "half of each validation class held out, seeded; manifest " + trainingData
                : "the data's own test split";
    }

    /**
     * The test set's fingerprint ({@link ImageDataset#fingerprint()}): the same images give the
     * same fingerprint, so two comparisons can be seen to share their test images.
     *
     * @return 64 lowercase hex digits
     */
    public String fingerprint() {
        return test.fingerprint();
    }
}
