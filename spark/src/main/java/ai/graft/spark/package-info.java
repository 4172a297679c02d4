/**
 * Graft's batch work as ordinary Apache Spark jobs: {@link ai.graft.spark.SparkClassifier}
 * classifies or embeds a {@code Dataset<Row>} of images (Spark's {@code binaryFile} source) with
 * one SDK {@link ai.graft.sdk.ImageClassifier} per executor JVM; {@link
 * ai.graft.spark.SparkHeadTrainer} trains a linear head with Spark MLlib on those embeddings and
 * grows it onto the cut backbone as one deployable ONNX file with its model card; {@link
 * ai.graft.spark.GraftSpark} is the main class that {@code graft spark} and {@code spark-submit}
 * run. Spark itself is provided by the cluster.
 */
package ai.graft.spark;
