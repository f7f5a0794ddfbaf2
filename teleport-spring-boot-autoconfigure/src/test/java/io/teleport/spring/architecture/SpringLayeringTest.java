package io.teleport.spring.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static io.teleport.testing.PackageSlices.EACH_PACKAGE;

/** The Spring module's packages depend one way, and it uses core's API only, never its engine. */
class SpringLayeringTest {

    private static final JavaClasses SPRING = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.teleport.spring");

    @Test
    void noPackageCycles() {
        slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(SPRING);
    }

    @Test
    void onlyCoreApiIsUsed() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.teleport.internal..")
                .because("the starter is a user of core like any other").check(SPRING);
    }
}
