package ai.graft.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of the design, checked on the compiled classes of every module: the SDK's
 * {@code internal} package is the SDK's alone, the libraries carry no command line, and the layers
 * point one way (sdk, then converter, then trainer).
 *
 * <p>It lives here because this unpublished module's test classpath holds the classes of sdk,
 * converter, trainer, cli and samples, besides its own. Modules are told apart by package: {@code
 * ai.graft.sdk}, {@code ai.graft.converter}, {@code ai.graft.trainer}, {@code ai.graft.cli}, {@code
 * ai.graft.samples}, {@code ai.graft.bench}.
 */
class ModuleBoundariesTest {
    private static final List<String> MODULES =
            List.of("sdk", "converter", "trainer", "cli", "samples", "bench");

    private static JavaClasses classes;

    @BeforeAll
    static void importGraft() throws IOException {
        // Only the classpath roots that hold ai/graft: importPackages would also search every
        // other jar on the classpath (JavaCV's and PyTorch's natives among them) for the
        // package, which about doubles the import's time.
        List<URL> graft =
                Collections.list(
                        ModuleBoundariesTest.class.getClassLoader().getResources("ai/graft"));
        classes = new ClassFileImporter().importUrls(graft);
    }

    @Test
    void everyModuleIsOnTheClasspath() {
        List<String> found =
                MODULES.stream()
                        .filter(
                                module ->
                                        classes.stream()
                                                .map(JavaClass::getPackageName)
                                                .anyMatch(p -> inModule(p, module)))
                        .toList();
        assertEquals(MODULES, found, "Graft modules whose classes this test reads");
    }

    @Test
    void onlyTheSdkUsesItsInternalPackage() {
        noClasses()
                .that()
                .resideOutsideOfPackage("ai.graft.sdk..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.graft.sdk.internal..")
                .because(
                        "ai.graft.sdk.internal is the SDK's alone: use the SDK's public API, or"
                                + " make what is needed a documented part of it")
                .check(classes);
    }

    @Test
    void librariesCarryNoCommandLine() {
        noClasses()
                .that()
                .resideInAnyPackage("ai.graft.sdk..", "ai.graft.converter..", "ai.graft.trainer..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("picocli..", "ai.graft.cli..")
                .because("the command line belongs in graft-cli; the libraries are used without it")
                .check(classes);
    }

    @Test
    void sdkDependsOnNoOtherGraftModule() {
        noClasses()
                .that()
                .resideInAPackage("ai.graft.sdk..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("ai.graft.converter..", "ai.graft.trainer..")
                .because("the SDK is what ships to devices: ONNX Runtime and JavaCV only")
                .check(classes);
    }

    @Test
    void converterDependsOnNeitherTrainerNorDjl() {
        noClasses()
                .that()
                .resideInAPackage("ai.graft.converter..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("ai.graft.trainer..", "ai.djl..")
                .because("the ONNX toolkit, checkpoints and export run without DJL")
                .check(classes);
    }

    private static boolean inModule(String packageName, String module) {
        String root = "ai.graft." + module;
        return packageName.equals(root) || packageName.startsWith(root + ".");
    }
}
