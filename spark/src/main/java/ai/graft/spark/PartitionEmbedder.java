package ai.graft.spark;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Embeds one partition's rows {@code path, content, extra...} with this executor's shared model:
 * rows {@code path, features, error, extra...}, the extra columns passed through. An unreadable
 * image gets an {@code error} and no features.
 */
final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final String modelFile;
    private final SparkClassifierOptions options;

    PartitionEmbedder(String modelFile, SparkClassifierOptions options) {
        this.modelFile = modelFile;
        this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        if (!rows.hasNext()) {
            return rows;
        }
        ImageClassifier model = ExecutorModels.get(modelFile, options);
        String output = options.outputName();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                String path = ImageRows.displayPath(r.getString(0));
                List<Object> values = new ArrayList<>(r.length() + 1);
                values.add(path);
                try {
                    float[] e = model.embed(ImageInput.of((byte[]) r.get(1), path), output);
                    double[] d = new double[e.length];
                    for (int i = 0; i < e.length; i++) {
                        d[i] = e[i];
                    }
                    values.add(Vectors.dense(d));
                    values.add(null);
                } catch (ImageException e) {
                    values.add(null);
                    values.add(e.getMessage());
                }
                for (int i = 2; i < r.length(); i++) {
                    values.add(r.get(i));
                }
                return RowFactory.create(values.toArray());
            }
        };
    }
}
