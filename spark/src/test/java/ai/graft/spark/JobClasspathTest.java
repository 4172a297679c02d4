package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The job runs on sdk and converter alone: no trainer, DJL or PyTorch travels with it. */
class JobClasspathTest {
    @Test
    void classpath_holdsNeitherTheTrainerNorDjl() {
        for (String name :
                new String[] {"ai.graft.trainer.Trainer", "ai.djl.Model", "ai.graft.cli.Graft"}) {
            assertThrows(
                    ClassNotFoundException.class,
                    () -> Class.forName(name, false, getClass().getClassLoader()),
                    name + " is on graft-spark's classpath");
        }
    }
}
