package io.bpm.compiler.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schema reader gives Jackson's tree for the JSON it accepts, and refuses the rest with the place. */
class SchemaJsonTest {

    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void readsThePublishedSchemaAsJacksonDoes() throws Exception {
        String text = Files.readString(Golden.repo().resolve("schema/bpm.schema.json"));
        assertEquals(JACKSON.readTree(text), SchemaJson.read(text, "bpm.schema.json"));
    }

    @Test
    void readsEveryKindOfValueAsJacksonDoes() throws Exception {
        String text = " {\"a\": [1, -2, 0, 2147483648, -9223372036854775808, true, false, null, {}, []],\n"
                + "  \"s\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u2028 \\uD83D\\uDE00 é\", \"\": {\"x\": \"\"}}\n";
        JsonNode ours = SchemaJson.read(text, "t.json");
        assertEquals(JACKSON.readTree(text), ours);
        assertEquals(JACKSON.readTree(text).toString(), JACKSON.writeValueAsString(ours), "the same tree, written");
    }

    @Test
    void aStringWritesItselfAsJacksonWritesIt() {
        for (String s : List.of("", "plain", "quote \" and \\ backslash / slash", "\b\f\n\r\t", "\u0000\u0001\u001f\u007f",
                "é \u2028 \uD83D\uDE00")) {
            assertEquals(new TextNode(s).toString(), new SchemaJson.Text(s).toString(), s);
        }
    }

    @Test
    void refusesWhatTheSchemaMustNotHoldWithThePlace() {
        assertRefused("{\"a\": 1.5}", "line 1, column 8: only integers");
        assertRefused("{\"a\": 1e3}", "line 1, column 8: only integers");
        assertRefused("{\"a\": 1,\n \"a\": 2}", "line 2, column 8: the key \"a\" appears twice");
        assertRefused("{} x", "line 1, column 4: text after the JSON value");
        assertRefused("[01]", "line 1, column 4: not a JSON integer");
        assertRefused("[-]", "line 1, column 3: not a JSON integer");
        assertRefused("[18446744073709551614]", "an integer beyond 64 bits");
        assertRefused("[\"\\x\"]", "unknown escape \\x");
        assertRefused("[\"a\nb\"]", "a control character inside a string");
        assertRefused("{\"a\" 1}", "expected ':'");
        assertRefused("[1 2]", "expected ',' or ']'");
        assertRefused("[tru]", "unexpected text");
        assertRefused("{\"a\": [1,", "the JSON ends early");
    }

    private static void assertRefused(String text, String why) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SchemaJson.read(text, "bundled.json"));
        assertTrue(e.getMessage().startsWith("bundled.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage() + " should say " + why);
    }
}
