package ai.graft.spark;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Classifies one partition's rows {@code path, content} in batches with this executor's shared
 * classifier, lazily, as Spark pulls rows. A batch with an unreadable image is classified again one
 * image at a time, so that only that image gets an {@code error}.
 */
final class PartitionClassifier implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final String modelFile;
    private final SparkClassifierOptions options;

    PartitionClassifier(String modelFile, SparkClassifierOptions options) {
        this.modelFile = modelFile;
        this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        if (!rows.hasNext()) {
            return rows;
        }
        ImageClassifier model = ExecutorModels.get(modelFile, options);
        return new Batches(rows, options.batchSize()) {
            @Override
            List<Row> process(List<String> paths, List<ImageInput> inputs) {
                return classify(model, paths, inputs);
            }
        };
    }

    static List<Row> classify(ImageClassifier model, List<String> paths, List<ImageInput> inputs) {
        List<Row> out = new ArrayList<>(inputs.size());
        try {
            List<Classification> results = model.classifyBatch(inputs);
            for (int i = 0; i < results.size(); i++) {
                out.add(row(paths.get(i), results.get(i)));
            }
        } catch (ImageException batchFailed) {
            for (int i = 0; i < inputs.size(); i++) {
                try {
                    out.add(row(paths.get(i), model.classify(inputs.get(i))));
                } catch (ImageException e) {
                    out.add(RowFactory.create(paths.get(i), null, null, null, e.getMessage()));
                }
            }
        }
        return out;
    }

    private static Row row(String path, Classification c) {
        List<Row> top = new ArrayList<>(c.top().size());
        for (Category k : c.top()) {
            top.add(RowFactory.create(k.index(), k.label(), k.score()));
        }
        Category best = c.top().isEmpty() ? null : c.top().get(0);
        return RowFactory.create(
                path,
                best == null ? null : best.label(),
                best == null ? null : best.score(),
                // Spark's row encoder takes Scala sequences for arrays.
                CollectionConverters.asScala(top).toSeq(),
                null);
    }

    /**
     * Pulls up to {@code size} input rows, turns them into SDK inputs named by their display path,
     * and hands out the processed rows before pulling more.
     */
    abstract static class Batches implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final int size;
        private Iterator<Row> current = java.util.Collections.emptyIterator();

        Batches(Iterator<Row> rows, int size) {
            this.rows = rows;
            this.size = size;
        }

        abstract List<Row> process(List<String> paths, List<ImageInput> inputs);

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && rows.hasNext()) {
                List<String> paths = new ArrayList<>(size);
                List<ImageInput> inputs = new ArrayList<>(size);
                while (inputs.size() < size && rows.hasNext()) {
                    Row r = rows.next();
                    String path = ImageRows.displayPath(r.getString(0));
                    paths.add(path);
                    inputs.add(ImageInput.of((byte[]) r.get(1), path));
                }
                current = process(paths, inputs).iterator();
            }
            return current.hasNext();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }
    }
}
