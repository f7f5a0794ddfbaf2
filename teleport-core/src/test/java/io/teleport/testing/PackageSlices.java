package io.teleport.testing;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * Every package its own ArchUnit slice, the root package included (a {@code matching("a.b.(**)")}
 * pattern leaves the root out, so a cycle through it would pass unseen).
 */
public final class PackageSlices implements SliceAssignment {

    /** The one instance. */
    public static final PackageSlices EACH_PACKAGE = new PackageSlices();

    private PackageSlices() {
    }

    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
        return SliceIdentifier.of(javaClass.getPackageName());
    }

    @Override
    public String getDescription() {
        return "each package";
    }
}
