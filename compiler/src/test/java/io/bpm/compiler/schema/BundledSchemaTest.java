package io.bpm.compiler.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The constant the build generates (compiler/pom.xml, bundled-schema) is schema/bpm.schema.json
 * exactly, as the jar's copy of it is: the escaping of its backslashes into a text block loses
 * nothing, and a schema change reaches the compiler at the next build.
 */
class BundledSchemaTest {

    @Test
    void theConstantIsTheSchemaFileByteForByte() throws IOException {
        try (InputStream in = BpmSchema.class.getResourceAsStream(BpmSchema.RESOURCE)) {
            assertNotNull(in, "the build copies schema/bpm.schema.json into the jar");
            String file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(file, BundledSchema.TEXT);
        }
    }
}
