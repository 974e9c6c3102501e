package dev.chorus;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/** Keeps the module graph honest: dependencies point one way and no module reaches into another's insides. */
class ModularityTests {

    @Test
    void modulesDependOnEachOtherOnlyThroughTheirPublicSurface() {
        ApplicationModules.of(ChorusApplication.class).verify();
    }
}
