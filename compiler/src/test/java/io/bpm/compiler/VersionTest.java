package io.bpm.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class VersionTest {
    /** The constant is the project's version (pom.xml), which the build stamps into version.properties. */
    @Test
    void theConstantIsTheProjectVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            assertNotNull(in, "version.properties is stamped by the build");
            p.load(in);
        }
        assertEquals(p.getProperty("version"), Version.get(),
                "the project's version changed: set Version.VALUE (compiler/src/main/java/io/bpm/compiler/Version.java) to it");
    }
}
