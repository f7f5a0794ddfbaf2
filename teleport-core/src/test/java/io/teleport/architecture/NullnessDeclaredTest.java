package io.teleport.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every package of {@code teleport-core} declares its nullness: its {@code package-info} is
 * {@link NullMarked}, so that what it does not mark {@code @Nullable} is never null.
 */
class NullnessDeclaredTest {

    /** Packages named one by one, so that a scan that finds nothing, or misses one, cannot pass. */
    private static final List<String> MARKED = List.of(
            "io.teleport",
            "io.teleport.config",
            "io.teleport.message",
            "io.teleport.codec",
            "io.teleport.xfer",
            "io.teleport.proto",
            "io.teleport.session",
            "io.teleport.plugin",
            "io.teleport.plugin.setup",
            "io.teleport.plugins",
            "io.teleport.router",
            "io.teleport.router.binding",
            "io.teleport.transport",
            "io.teleport.limits",
            "io.teleport.internal.dispatch",
            "io.teleport.internal.limits",
            "io.teleport.internal.log",
            "io.teleport.internal.session",
            "io.teleport.internal.transport");

    @Test
    void everyPackageIsNullMarked() {
        JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.teleport");
        SortedSet<String> packages = core.stream().map(JavaClass::getPackageName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(packages).containsAll(MARKED);
        assertThat(packages.stream().filter(p -> !core.getPackage(p).isAnnotatedWith(NullMarked.class)).toList())
                .as("packages without @NullMarked in their package-info").isEmpty();
    }
}
