package ai.graft.trainer.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks, once the training images have been read, that every class keeps enough readable images:
 * the check behind {@link Datasets#requireReadable}.
 */
final class ReadableImages {
    /** How many unreadable files a message names per class. */
    static final int NAMED_UNREADABLE = 3;

    private ReadableImages() {}

    /** {@link Datasets#requireReadable}. */
    static void require(ImageDataset train, Collection<Skipped> skipped, int minPerClass, Path data)
            throws DatasetException {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(skipped, "skipped");
        Map<String, Integer> labels = new HashMap<>();
        for (Sample s : train.samples()) {
            labels.put(s.id(), s.label());
        }
        List<String> classes = train.classes();
        List<List<Skipped>> unreadable = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            unreadable.add(new ArrayList<>());
        }
        for (Skipped s : skipped) {
            Integer label = labels.get(s.id());
            if (label != null) {
                unreadable.get(label).add(s);
            }
        }
        int[] counts = train.countsPerClass();
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Skipped> bad = unreadable.get(c);
            int readable = counts[c] - bad.size();
            int needed = Math.max(1, Math.min(minPerClass, counts[c]));
            if (readable >= needed) {
                continue;
            }
            bad.sort(Comparator.comparing(Skipped::id));
            StringBuilder m = new StringBuilder("class '").append(classes.get(c)).append("' has ");
            m.append(
                    readable == 0
                            ? "no readable training image"
                            : readable
                                    + " readable training "
                                    + (readable == 1 ? "image" : "images")
                                    + ", fewer than the minimum of "
                                    + needed);
            m.append(": ")
                    .append(bad.size())
                    .append(" of its ")
                    .append(counts[c])
                    .append(counts[c] == 1 ? " image" : " images")
                    .append(" could not be read (");
            for (int i = 0; i < Math.min(NAMED_UNREADABLE, bad.size()); i++) {
                m.append(i == 0 ? "" : "; ")
                        .append(bad.get(i).id())
                        .append(": ")
                        .append(bad.get(i).reason());
            }
            if (bad.size() > NAMED_UNREADABLE) {
                m.append("; and ").append(bad.size() - NAMED_UNREADABLE).append(" more");
            }
            problems.add(m.append(')').toString());
        }
        if (!problems.isEmpty()) {
            throw new DatasetException(
                    "Dataset "
                            + data
                            + ": "
                            + String.join("; ", problems)
                            + ". Replace or remove the unreadable files, add images, or remove the"
                            + (problems.size() == 1 ? " class" : " classes"));
        }
    }
}
