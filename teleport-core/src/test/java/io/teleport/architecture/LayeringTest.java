package io.teleport.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static io.teleport.testing.PackageSlices.EACH_PACKAGE;

/**
 * The package rules of {@code teleport-core} (see {@code docs/architecture.md}): packages depend one way,
 * the engine under {@code internal} is reached only through {@code Peer}, and core knows nothing of Spring.
 */
class LayeringTest {

    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.teleport");
    }

    @Test
    void noPackageCycles() {
        slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(core);
    }

    @Test
    void theEngineIsReachedOnlyThroughPeer() {
        noClasses().that().resideOutsideOfPackages("io.teleport", "io.teleport.internal..")
                .should().dependOnClassesThat().resideInAPackage("io.teleport.internal..")
                .because("internal is not API: users and plugins reach the engine through Peer and Session")
                .check(core);
    }

    @Test
    void theEngineIsLayeredTransportOverSessionOverTheRest() {
        noClasses().that().resideInAPackage("io.teleport.internal.session..")
                .should().dependOnClassesThat().resideInAPackage("io.teleport.internal.transport..")
                .because("the session engine dials through its Dialer, so bootstraps stay in transport")
                .check(core);
        noClasses().that().resideInAnyPackage("io.teleport.internal.dispatch..", "io.teleport.internal.limits..",
                        "io.teleport.internal.log..")
                .should().dependOnClassesThat().resideInAnyPackage("io.teleport.internal.session..",
                        "io.teleport.internal.transport..")
                .check(core);
    }

    @Test
    void apiPackagesDoNotReachUpToPeer() {
        noClasses().that().resideOutsideOfPackage("io.teleport")
                .and().resideOutsideOfPackage("io.teleport.plugins")
                .should().dependOnClassesThat().resideInAPackage("io.teleport")
                .because("Peer is the top: plugins get a PeerSetup view, the engine a PeerContext")
                .check(core);
    }

    @Test
    void coreKnowsNothingOfSpring() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..").check(core);
    }
}
