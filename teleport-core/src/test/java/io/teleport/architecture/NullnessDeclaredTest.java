package io.teleport.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every package of {@code teleport-core} declares its nullness: its {@code package-info} is
 * {@link NullMarked}, so that what it does not mark {@code @Nullable} is never null.
 */
class NullnessDeclaredTest {

    /** Packages that must be marked, named one by one so that a scan that finds nothing cannot pass. */
    private static final List<String> MARKED = List.of(
            "io.teleport.message",
            "io.teleport.codec",
            "io.teleport.xfer",
            "io.teleport.proto",
            "io.teleport.session",
            "io.teleport.plugin",
            "io.teleport.plugin.setup",
            "io.teleport.plugins",
            "io.teleport.transport",
            "io.teleport.limits",
            "io.teleport.internal.dispatch",
            "io.teleport.internal.limits",
            "io.teleport.internal.log");

    /**
     * Packages whose nullness is being declared on other branches, as ArchUnit package patterns
     * ({@code ..} for subpackages too). Each entry leaves once its package is marked; the set is to
     * end empty.
     */
    private static final Set<String> NOT_YET_MARKED = Set.of();

    private static JavaClasses core;
    private static SortedSet<String> packages;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.teleport");
        packages = core.stream().map(JavaClass::getPackageName).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyPackageNotExemptedIsNullMarked() {
        Set<String> due = packages(p -> !notYetMarked(p));
        assertThat(due).containsAll(MARKED);
        assertThat(filter(due, p -> !nullMarked(p))).as("packages without @NullMarked in their package-info")
                .isEmpty();
    }

    @Test
    void theExemptionsAreStillNeeded() {
        assertThat(packages(p -> notYetMarked(p) && nullMarked(p)))
                .as("packages in NOT_YET_MARKED that are marked now: remove them from it").isEmpty();
        for (String pattern : NOT_YET_MARKED) {
            assertThat(packages).as("a package of core named by " + pattern)
                    .anyMatch(PackageMatcher.of(pattern)::matches);
        }
    }

    private static boolean notYetMarked(String pkg) {
        return NOT_YET_MARKED.stream().anyMatch(pattern -> PackageMatcher.of(pattern).matches(pkg));
    }

    private static boolean nullMarked(String pkg) {
        return core.getPackage(pkg).isAnnotatedWith(NullMarked.class);
    }

    private static Set<String> packages(Predicate<String> which) {
        return filter(packages, which);
    }

    private static Set<String> filter(Set<String> names, Predicate<String> which) {
        return names.stream().filter(which).collect(Collectors.toCollection(TreeSet::new));
    }
}
