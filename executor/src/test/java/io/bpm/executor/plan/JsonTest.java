package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict JSON reader runc's state and the compiler's schema share. */
class JsonTest {

    @Test
    void readsEveryKindOfValueInFileOrder() {
        Object v = Json.read(" {\"b\": [1, -2, 0, 1.5, -2e3, 18446744073709551615, true, false, null, {}, []],\n"
                + " \"a\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 é\"} ", Json.Numbers.ANY);
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("b", Arrays.asList(1L, -2L, 0L, 1.5, -2000.0, 1.8446744073709552E19, true, false, null, Map.of(), List.of()));
        want.put("a", "q\" b\\ s/ \b\f\n\r\t é é");
        assertEquals(want, v);
        assertEquals(List.of("b", "a"), List.copyOf(Json.object(v, "it").keySet()));
    }

    @Test
    void integersOnlyRefusesWhatWouldNeedBigDecimal() {
        assertEquals(List.of(7L, -9223372036854775808L), Json.read("[7, -9223372036854775808]", Json.Numbers.INTEGERS));
        assertRefused("[1.5]", Json.Numbers.INTEGERS, "line 1, column 3: only integers");
        assertRefused("[18446744073709551615]", Json.Numbers.INTEGERS, "an integer beyond 64 bits");
        assertRefused("[01]", Json.Numbers.INTEGERS, "line 1, column 4: not a JSON integer");
    }

    @Test
    void refusesWhatIsNotStrictJsonWithThePlace() {
        assertRefused("{\"a\": 1,\n \"a\": 2}", Json.Numbers.ANY, "line 2, column 8: the key \"a\" appears twice");
        assertRefused("[\"a\nb\"]", Json.Numbers.ANY, "a control character inside a string");
        assertRefused("[01]", Json.Numbers.ANY, "not a JSON number");
        assertRefused("[1.]", Json.Numbers.ANY, "not a JSON number");
        assertRefused("[+1]", Json.Numbers.ANY, "unexpected '+'");
        assertRefused("{} x", Json.Numbers.ANY, "line 1, column 4: text after the JSON value");
        assertRefused("{\"a\": [1,", Json.Numbers.ANY, "the JSON ends early");
        assertRefused("[".repeat(65) + "]".repeat(65), Json.Numbers.ANY, "nested deeper than 64");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.object(List.of(), "the state"));
        assertEquals("the state is not a JSON object", e.getMessage());
    }

    private static void assertRefused(String text, Json.Numbers numbers, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.read(text, numbers));
        assertTrue(e.getMessage().contains(why), e.getMessage() + " should say " + why);
    }
}
