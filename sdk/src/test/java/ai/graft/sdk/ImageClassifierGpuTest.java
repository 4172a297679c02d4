package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Needs a CUDA device and ONNX Runtime's GPU build: {@code mvn -Pcuda,gpu -pl sdk test}. Excluded
 * from the default build by its tag.
 */
@Tag("gpu")
class ImageClassifierGpuTest {
    @Test
    void cuda_isUsedAndAgreesWithCpu() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        ImageClassifierOptions cpu =
                ImageClassifierOptions.builder()
                        .preprocessing(Preprocessing.caffe(224, 224))
                        .labelsFile(TestData.require("labels/imagenet_classes.txt"))
                        .build();
        try (ImageClassifier onCpu = ImageClassifier.create(model, cpu);
                ImageClassifier onGpu =
                        ImageClassifier.create(
                                model, cpu.toBuilder().device(Device.CUDA).build())) {
            assertEquals(Device.CUDA, onGpu.device(), "CUDA fell back to CPU; see the warning log");
            Category a = onCpu.classify(dog).best();
            Category b = onGpu.classify(dog).best();
            assertEquals(a.index(), b.index());
            assertEquals(a.score(), b.score(), 1e-3);
        }
    }
}
