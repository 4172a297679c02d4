package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.ChildJvm;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy-only install: the command line on a class path without graft-trainer, DJL or PyTorch
 * (this JVM's test class path less those entries) runs the deploy commands and has no training
 * commands; with the trainer present, as here, the training commands join.
 */
class DeployOnlyTest {
    private static final List<String> DEPLOY_COMMANDS =
            List.of(
                    "predict",
                    "inspect",
                    "annotate",
                    "convert",
                    "verify",
                    "zoo",
                    "stream",
                    "benchmark",
                    "export",
                    "quantize");

    /** The commands that need graft-trainer. */
    private static final List<String> TRAINING_COMMANDS =
            List.of("train", "evaluate", "demo", "compare");

    @TempDir Path dir;

    @Test
    void withoutTrainer_deployCommandsRunAndTrainingCommandsAreAbsent() throws Exception {
        List<String> kept = new ArrayList<>();
        List<String> trainer = new ArrayList<>();
        List<String> djl = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (isTrainer(entry)) {
                trainer.add(entry);
            } else if (isDjl(entry)) {
                djl.add(entry);
            } else {
                kept.add(entry);
            }
        }
        assertFalse(trainer.isEmpty(), "graft-trainer is on the test class path and was removed");
        assertFalse(djl.isEmpty(), "DJL and PyTorch are on the test class path and were removed");
        String classPath = String.join(File.pathSeparator, kept);

        String help = run(classPath, "help", "--help");
        for (String command : DEPLOY_COMMANDS) {
            assertTrue(listed(help, command), () -> command + " missing from:\n" + help);
        }
        for (String command : TRAINING_COMMANDS) {
            assertFalse(
                    listed(help, command), () -> command + " listed without the trainer:\n" + help);
        }

        String exportHelp = run(classPath, "export-help", "export", "--help");
        assertTrue(exportHelp.contains("CHECKPOINT"), exportHelp);

        Path model = dir.resolve("m.onnx");
        run(
                classPath,
                "zoo",
                "zoo",
                "squeezenet1_1",
                "--classes",
                "2",
                "--size",
                "64",
                "--out",
                model.toString());
        assertTrue(Files.size(model) > 0);
        String inspect = run(classPath, "inspect", "inspect", model.toString(), "--json");
        assertTrue(inspect.contains("\"outputs\""), inspect);

        Path labels = Files.writeString(dir.resolve("labels.txt"), "red\nblue\n");
        Path annotated = dir.resolve("m-card.onnx");
        run(
                classPath,
                "annotate",
                "annotate",
                model.toString(),
                "--labels",
                labels.toString(),
                "--preprocess",
                "imagenet",
                "--out",
                annotated.toString());
        Path image = dir.resolve("red.png");
        BufferedImage red = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                red.setRGB(x, y, Color.RED.getRGB());
            }
        }
        ImageIO.write(red, "png", image.toFile());
        String predict =
                run(
                        classPath,
                        "predict",
                        "predict",
                        "--model",
                        annotated.toString(),
                        "--json",
                        image.toString());
        assertTrue(predict.contains("red") || predict.contains("blue"), predict);

        Path calibration = Files.createDirectories(dir.resolve("calibration"));
        Files.copy(image, calibration.resolve("red.png"));
        Path half = dir.resolve("m-fp16.onnx");
        String quantize =
                run(
                        classPath,
                        "quantize",
                        "quantize",
                        annotated.toString(),
                        "--fp16",
                        "--calibrate",
                        calibration.toString(),
                        "--out",
                        half.toString(),
                        "--json");
        assertTrue(quantize.contains("fp16"), quantize);
        assertTrue(Files.size(half) > 0);
    }

    @Test
    void withTrainer_trainingCommandsJoin() {
        CliRun help = CliRun.graft("--help");
        assertEquals(ExitCodes.OK, help.exitCode(), help.err());
        for (String command : TRAINING_COMMANDS) {
            assertTrue(listed(help.out(), command), () -> command + " missing from " + help.out());
        }
    }

    @Test
    void needsAbsentTrainer_isFalseWhenTheTrainerIsPresent() {
        // Here the trainer is on the class path: a missing class is a defect, not a smaller
        // install.
        assertFalse(Graft.needsAbsentTrainer(new NoClassDefFoundError("ai/graft/trainer/X")));
        assertFalse(Graft.needsAbsentTrainer(new IllegalStateException("x")));
    }

    /** Runs {@code graft args...} in a child JVM on {@code classPath}; returns its output. */
    private String run(String classPath, String name, String... args) throws Exception {
        ChildJvm child = ChildJvm.start(dir, name, classPath, Graft.class.getName(), List.of(args));
        ChildJvm.Ending end = child.await();
        assertEquals(
                ExitCodes.OK,
                end.exitCode(),
                () -> "graft " + String.join(" ", args) + ":\n" + child.err() + child.out());
        return child.out();
    }

    /**
     * True when the usage lists {@code command}: a line of the command list starts with two spaces
     * and the name (a description's continuation lines are indented further).
     */
    private static boolean listed(String usage, String command) {
        return usage.lines().anyMatch(line -> line.startsWith("  " + command + " "));
    }

    private static boolean isTrainer(String entry) {
        Path path = Path.of(entry);
        String name = path.getFileName().toString();
        if (name.startsWith("graft-trainer")) {
            return true;
        }
        Path module = path.getParent() == null ? null : path.getParent().getParent();
        return (name.equals("classes") || name.equals("test-classes"))
                && module != null
                && module.getFileName() != null
                && module.getFileName().toString().equals("trainer");
    }

    private static boolean isDjl(String entry) {
        return entry.replace(File.separatorChar, '/').contains("/ai/djl/");
    }
}
