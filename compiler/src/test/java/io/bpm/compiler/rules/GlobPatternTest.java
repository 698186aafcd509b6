package io.bpm.compiler.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobPatternTest {

    /**
     * Go's path/filepath TestMatch table (match_test.go), verbatim; "bad" is ErrBadPattern.
     * Columns: pattern, name, expected.
     */
    @ParameterizedTest(name = "Match(\"{0}\", \"{1}\") = {2}")
    @CsvSource(delimiter = ' ', quoteCharacter = '\'', value = {
        "abc abc true",
        "* abc true",
        "*c abc true",
        "a* a true",
        "a* abc true",
        "a* ab/c false",
        "a*/b abc/b true",
        "a*/b a/c/b false",
        "a*b*c*d*e*/f axbxcxdxe/f true",
        "a*b*c*d*e*/f axbxcxdxexxx/f true",
        "a*b*c*d*e*/f axbxcxdxe/xxx/f false",
        "a*b*c*d*e*/f axbxcxdxexxx/fff false",
        "a*b?c*x abxbbxdbxebxczzx true",
        "a*b?c*x abxbbxdbxebxczzy false",
        "ab[c] abc true",
        "ab[b-d] abc true",
        "ab[e-g] abc false",
        "ab[^c] abc false",
        "ab[^b-d] abc false",
        "ab[^e-g] abc true",
        "a\\*b a*b true",
        "a\\*b ab false",
        "a?b a☺b true",
        "a[^a]b a☺b true",
        "a???b a☺b false",
        "a[^a][^a][^a]b a☺b false",
        "[a-ζ]* α true",
        "*[a-ζ] A false",
        "a?b a/b false",
        "a*b a/b false",
        "[\\]a] ] true",
        "[\\-] - true",
        "[x\\-] x true",
        "[x\\-] - true",
        "[x\\-] z false",
        "[\\-x] x true",
        "[\\-x] - true",
        "[\\-x] a false",
        "[]a] ] bad",
        "[-] - bad",
        "[x-] x bad",
        "[x-] - bad",
        "[x-] z bad",
        "[-x] x bad",
        "[-x] - bad",
        "[-x] a bad",
        "\\ a bad",
        "[a-b-c] a bad",
        "[ a bad",
        "[^ a bad",
        "[^bc a bad",
        "a[ a bad",
        "a[ ab bad",
        "a[ x bad",
        "a/b[ x bad",
        "*x xxx true",
    })
    void goMatchTable(String pattern, String name, String expected) {
        if (expected.equals("bad")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GlobPattern.matches(pattern, name));
            assertTrue(e.getMessage().startsWith("syntax error in pattern"), e.getMessage());
            assertTrue(GlobPattern.validate(pattern).isPresent());
        } else {
            assertEquals(Boolean.parseBoolean(expected), GlobPattern.matches(pattern, name));
            assertEquals(Optional.empty(), GlobPattern.validate(pattern));
        }
    }

    @ParameterizedTest(name = "Match(\"{0}\", \"{1}\") = {2}")
    @CsvSource(delimiter = ' ', quoteCharacter = '\'', value = {
        // the unrestricted-volume globs of bpm's BuildSpec tests (§9.1)
        "/*/file.txt /unrestricted/file.txt true",
        "/*/file.txt /other/file.txt true",
        "/*/file.txt /a/b/file.txt false",
        "/var/vcap/jobs/*/config/config.yml /var/vcap/jobs/other-job/config/config.yml true",
        "/var/vcap/jobs/*/config/config.yml /var/vcap/jobs/a/b/config/config.yml false",
        // '*' and '?' never cross '/', classes neither when negated
        "* a/b false",
        "* '' true",
        "** abc true",
        "a** a/ false",
        "? '' false",
        "?? é false",
        "? é true",
        "[^a] / true",
        "a[^x]b a/b true",
        // ranges are not order-checked: a reversed range is valid and matches nothing
        "[z-a] m false",
        "[z-a] z false",
        "[^z-a] m true",
        // escapes outside classes match the character itself
        "\\a a true",
        "\\[ [ true",
        "\\\\ \\ true",
        "a\\?c abc false",
        "a\\?c a?c true",
        // '*' inside a class is an ordinary character
        "[*] * true",
        "[*] a false",
        "[a*]b *b true",
        // ']' first in a class after an escape, multi-byte ranges
        "[\\]] ] true",
        "[α-ω] λ true",
        "[α-ω] a false",
        "[^α-ω] a true",
        "'' '' true",
        "'' a false",
        "a '' false",
        // the star backtracks only within its segment
        "*a*b aaab true",
        "*.yml config.yml.bak false",
        "*.yml* config.yml.bak true",
    })
    void moreMatches(String pattern, String name, boolean expected) {
        assertEquals(expected, GlobPattern.matches(pattern, name));
    }

    @Test
    void starCanStartInTheMiddleOfAMultiByteCharacterLikeGo() {
        // Go's star loop skips byte by byte, decoding partial runes as U+FFFD; the result is the same
        assertTrue(GlobPattern.matches("*[\uFFFD-\uFFFD]\u00bf", "\u00e9\u00bf"));
        assertTrue(GlobPattern.matches("*\u00bf", "\u00e9\u00bf"));
        assertEquals(false, GlobPattern.matches("*[a-z]", "é"));
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "[         | '[' without a closing ']'",
        "[^        | '[' without a closing ']'",
        "[^bc      | '[' without a closing ']'",
        "a[        | '[' without a closing ']'",
        "[a-       | '[' without a closing ']'",
        "[\\       | '[' without a closing ']'",
        "[a\\]     | '[' without a closing ']'",
        "/var/[ab/*.yml | '[' without a closing ']'",
        "\\        | '\\' at the end escapes nothing",
        "a/b\\     | '\\' at the end escapes nothing",
        "[a-]]     | range without an upper bound; write '\\-' for a literal '-'",
        "[x-]      | range without an upper bound; write '\\-' for a literal '-'",
        "[]        | empty character class; write '\\]' for a literal ']'",
        "[]a]      | empty character class; write '\\]' for a literal ']'",
        "[^]       | empty character class; write '\\]' for a literal ']'",
        "[-]       | misplaced '-' in a character class; write '\\-' for a literal '-'",
        "[-x]      | misplaced '-' in a character class; write '\\-' for a literal '-'",
        "[a-b-c]   | misplaced '-' in a character class; write '\\-' for a literal '-'",
        "[a--]     | misplaced '-' in a character class; write '\\-' for a literal '-'",
        "*[        | '[' without a closing ']'",
        "a*b*[     | '[' without a closing ']'",
    })
    void validateNamesTheProblem(String pattern, String reason) {
        assertEquals(Optional.of(reason), GlobPattern.validate(pattern));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlobPattern.matches(pattern, "anything"));
        assertEquals("syntax error in pattern (" + reason + ")", e.getMessage());
    }

    @Test
    void errorsLaterInThePatternAreReportedEvenWhenAnEarlierChunkFails() {
        // Go checks the rest of the pattern before answering "no match"
        assertThrows(IllegalArgumentException.class, () -> GlobPattern.matches("x*[", "abc"));
        assertThrows(IllegalArgumentException.class, () -> GlobPattern.matches("x*y*\\", "abc"));
        assertThrows(IllegalArgumentException.class, () -> GlobPattern.matches("a/x[", "a/b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "/", "*", "**", "/var/vcap/jobs/*/config/*.yml", "/var/vcap/data/sys/log/*/*.log",
        "a\\*b", "[\\]a]", "[z-a]", "[^a-z0-9_]", "[*]", "/path/with]bracket", "a]", "]", "-",
        "/some/{a,b}", "\\[", "[α-ω]", "/home/*/.ssh",
    })
    void wellFormed(String pattern) {
        assertEquals(Optional.empty(), GlobPattern.validate(pattern));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/var/vcap/data/x | false",
        "''               | false",
        "/a]b             | false",
        "/a{b,c}          | false",
        "/a-b/c.d         | false",
        "/var/*           | true",
        "/var/?           | true",
        "/var/[ab]        | true",
        "/var/a\\b        | true",
        "[                | true",
    })
    void hasMeta(String path, boolean meta) {
        assertEquals(meta, GlobPattern.hasMeta(path));
    }
}
