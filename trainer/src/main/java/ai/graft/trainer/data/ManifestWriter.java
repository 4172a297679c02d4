package ai.graft.trainer.data;

import ai.graft.converter.AtomicFiles;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes {@link Splits} as a CSV manifest that {@link Datasets#open} reads back into the same
 * splits: columns {@code path} (absolute), {@code label} and {@code split}. The manifest behind
 * {@link Datasets#writeManifest}.
 */
final class ManifestWriter {
    private ManifestWriter() {}

    static void write(Path csv, Splits splits) throws DatasetException {
        List<String> classes = splits.train().classes();
        for (ImageDataset part : parts(splits)) {
            for (Sample s : part.samples()) {
                if (s.file() == null) {
                    throw new DatasetException(
                            "Sample "
                                    + s.id()
                                    + " is an image in memory (IDX data): a manifest lists files;"
                                    + " give the data a test split of its own (a t10k or test"
                                    + " IDX pair)");
                }
            }
        }
        try {
            AtomicFiles.write(
                    csv,
                    out -> {
                        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                        w.write("path,label,split\n");
                        row(w, splits.train(), classes, "train");
                        row(w, splits.val(), classes, "val");
                        row(w, splits.test(), classes, "test");
                        w.flush();
                    });
        } catch (IOException e) {
            throw new DatasetException("Cannot write manifest " + csv + ": " + e.getMessage(), e);
        }
    }

    private static List<ImageDataset> parts(Splits splits) {
        return Stream.of(splits.train(), splits.val(), splits.test())
                .filter(Objects::nonNull)
                .toList();
    }

    private static void row(Writer w, ImageDataset part, List<String> classes, String split)
            throws IOException {
        if (part == null) {
            return;
        }
        for (Sample s : part.samples()) {
            w.write(field(s.file().toAbsolutePath().normalize().toString()));
            w.write(',');
            w.write(field(classes.get(s.label())));
            w.write(',');
            w.write(split);
            w.write('\n');
        }
    }

    /** A field quoted as RFC 4180 says when it holds a comma, a quote or a line break. */
    static String field(String value) {
        if (value.indexOf(',') < 0
                && value.indexOf('"') < 0
                && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
