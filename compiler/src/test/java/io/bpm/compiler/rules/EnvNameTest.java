package io.bpm.compiler.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvNameTest {

    private static final String NOT_PORTABLE =
            "is not a portable name (letters, digits and _; not starting with a digit)";

    @ParameterizedTest
    @ValueSource(strings = {"A", "a", "_", "__", "_1", "PATH", "HOME", "TMPDIR", "a1_b2", "lower_case", "X9", "RAVE"})
    void portableNamesAreFine(String name) {
        assertEquals(Optional.empty(), EnvName.problem(name));
    }

    @ParameterizedTest(name = "\"{0}\" {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "''        | is empty",
        "A=B       | contains '='",
        "=         | contains '='",
        "=A        | contains '='",
        "A=        | contains '='",
        "1=2       | contains '='",
        "A-B       | " + NOT_PORTABLE,
        "1ABC      | " + NOT_PORTABLE,
        "9         | " + NOT_PORTABLE,
        "A.B       | " + NOT_PORTABLE,
        "'A B'     | " + NOT_PORTABLE,
        "' A'      | " + NOT_PORTABLE,
        "'A '      | " + NOT_PORTABLE,
        "FÖO       | " + NOT_PORTABLE,
        "ＡＢ      | " + NOT_PORTABLE,
        "A$        | " + NOT_PORTABLE,
        "'A\tB'    | " + NOT_PORTABLE,
    })
    void problems(String name, String problem) {
        assertEquals(Optional.of(problem), EnvName.problem(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"A\0B", "\0", "A\0", "1\0"})
    void nulCharacters(String name) {
        assertEquals(Optional.of("contains a NUL character"), EnvName.problem(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"A=\0", "\0="})
    void equalsSignIsReportedBeforeNul(String name) {
        assertEquals(Optional.of("contains '='"), EnvName.problem(name));
    }
}
