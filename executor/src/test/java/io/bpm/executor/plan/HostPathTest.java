package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPathTest {

    /** Go's path/filepath TestClean table (cleantests + nonwincleantests), verbatim. */
    @ParameterizedTest(name = "Clean(\"{0}\") = \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        // Already clean
        "abc | abc",
        "abc/def | abc/def",
        "a/b/c | a/b/c",
        ". | .",
        ".. | ..",
        "../.. | ../..",
        "../../abc | ../../abc",
        "/abc | /abc",
        "/ | /",
        // Empty is current dir
        "'' | .",
        // Remove trailing slash
        "abc/ | abc",
        "abc/def/ | abc/def",
        "a/b/c/ | a/b/c",
        "./ | .",
        "../ | ..",
        "../../ | ../..",
        "/abc/ | /abc",
        // Remove doubled slash
        "abc//def//ghi | abc/def/ghi",
        "abc// | abc",
        // Remove . elements
        "abc/./def | abc/def",
        "/./abc/def | /abc/def",
        "abc/. | abc",
        // Remove .. elements
        "abc/def/ghi/../jkl | abc/def/jkl",
        "abc/def/../ghi/../jkl | abc/jkl",
        "abc/def/.. | abc",
        "abc/def/../.. | .",
        "/abc/def/../.. | /",
        "abc/def/../../.. | ..",
        "/abc/def/../../.. | /",
        "abc/def/../../../ghi/jkl/../../../mno | ../../mno",
        "/../abc | /abc",
        "a/../b:/../../c | ../c",
        // Combinations
        "abc/./../def | def",
        "abc//./../def | def",
        "abc/../../././../def | ../../def",
        // Remove leading doubled slash (non-Windows)
        "//abc | /abc",
        "///abc | /abc",
        "//abc// | /abc",
    })
    void goCleanTable(String path, String clean) {
        assertEquals(clean, HostPath.clean(path));
        assertEquals(clean, HostPath.clean(clean), "Clean is idempotent");
    }

    @ParameterizedTest(name = "Clean(\"{0}\") = \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        // the cases bpm's canonical-volume check (§3.3a) meets
        "/var/vcap/data/x | /var/vcap/data/x",
        "/var/vcap/ | /var/vcap",
        "//var/vcap/data/valid | /var/vcap/data/valid",
        "/var/vcap/./data | /var/vcap/data",
        "/var/vcap/data/../store | /var/vcap/store",
        "/.. | /",
        "/../.. | /",
        "a/.. | .",
        "a/../.. | ..",
        "../a/.. | ..",
        // names that merely start with dots are real elements
        "... | ...",
        ".a/..b/b.. | .a/..b/b..",
        "/a/.../b | /a/.../b",
        "/ü/./ñ/ | /ü/ñ",
        "a b/ c | a b/ c",
    })
    void moreCleanCases(String path, String clean) {
        assertEquals(clean, HostPath.clean(path));
    }

    @Test
    void cleanIsIdempotentAndNeverLonger() {
        Random random = new Random(42);
        String alphabet = "/./a..b/";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(14);
            for (int i = 0; i < length; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String path = b.toString();
            String clean = HostPath.clean(path);
            assertEquals(clean, HostPath.clean(clean), path);
            assertTrue(clean.length() <= Math.max(1, path.length()), path);
            assertEquals(path.startsWith("/"), clean.startsWith("/"), path);
            assertFalse(clean.contains("//") || clean.length() > 1 && clean.endsWith("/"), path);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/ | true", "/a | true", "//a | true", "'' | false", "a | false", "./a | false", "../a | false", "' /a' | false",
    })
    void isAbsolute(String path, boolean absolute) {
        assertEquals(absolute, HostPath.isAbsolute(path));
    }

    @Test
    void components() {
        assertEquals(List.of(), HostPath.components(""));
        assertEquals(List.of(), HostPath.components("/"));
        assertEquals(List.of(), HostPath.components("///"));
        assertEquals(List.of("var", "vcap"), HostPath.components("/var/vcap"));
        assertEquals(List.of("var", "vcap"), HostPath.components("//var//vcap/"));
        assertEquals(List.of("a", ".", "..", "b"), HostPath.components("a/./../b"));
        assertEquals(List.of("a b", "ü"), HostPath.components("a b/ü"));
    }

    /** §3.3c and the config unit tests of §9.1, with bpm's default root. */
    @ParameterizedTest(name = "\"{0}\" inside \"{1}\": {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/var/vcap/data/x         | /var/vcap | true",
        "/var/vcap/data/valid     | /var/vcap | true",
        "/var/vcap/store/valid    | /var/vcap | true",
        "/var/vcap/sys/run/valid  | /var/vcap | true",
        "/var/vcap/jobs/other/x   | /var/vcap | true",
        "/var/vcap/packages/x     | /var/vcap | true",
        "/var/vcap/bosh           | /var/vcap | true",
        "/var/vcap/valid          | /var/vcap | true",
        "/var/vcap                | /var/vcap | false",
        "/var/vcapx/a             | /var/vcap | false",
        "/var/vcapx               | /var/vcap | false",
        "/var                     | /var/vcap | false",
        "/bin                     | /var/vcap | false",
        "/var/invalid             | /var/vcap | false",
        "var/vcap/data/x          | /var/vcap | false",
        "''                       | /var/vcap | false",
        "/                        | /var/vcap | false",
        // raw strings.Split quirks: every '/' counts
        "/var/vcap/               | /var/vcap | true",
        "//var/vcap/data/valid    | /var/vcap | false",
        "/var//vcap/data          | /var/vcap | false",
        "/var/vcap//              | /var/vcap | true",
        "/some/path/x             | /some/path  | true",
        "/some/path/x             | /some/path/ | false",
        "/some/path/x/y           | /some/path/ | false",
        "/some/path//y            | /some/path/ | true",
        "/a                       | ''        | true",
        "a                        | ''        | false",
        "a/b                      | a         | true",
        "/a                       | /         | false",
        "/a/b                     | /         | false",
        "//a                      | /         | true",
    })
    void isStrictlyInside(String path, String root, boolean inside) {
        assertEquals(inside, HostPath.isStrictlyInside(path, root));
    }

    /** §4.5 F.2 and the BuildSpec unit tests of §9.1: job "example". */
    @ParameterizedTest(name = "\"{0}\" under \"{1}\": {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/var/vcap/jobs/example/config/config.yml   | /var/vcap/jobs/example | true",
        "/var/vcap/jobs/example                     | /var/vcap/jobs/example | true",
        "/var/vcap/jobs/example/                    | /var/vcap/jobs/example | true",
        "/var/vcap/jobs/example-two/config/x.yml    | /var/vcap/jobs/example | false",
        "/var/vcap/jobs/other/config/config.yml     | /var/vcap/jobs/example | false",
        "/var/vcap/jobs                             | /var/vcap/jobs/example | false",
        "/tmp/file                                  | /tmp                   | true",
        "/tmpfile                                   | /tmp                   | false",
        "/var/tmp/x                                 | /var/tmp               | true",
        "/var/vcap/packages/foo/bin                 | /var/vcap/packages     | true",
        "/var/vcap/data/packages/foo                | /var/vcap/data/packages | true",
        "/var/vcap/data/packagesx                   | /var/vcap/data/packages | false",
        "/var/vcap/data/example/tmp/x               | /var/vcap/data/example/tmp | true",
        "//var//vcap/jobs/example/x                 | /var/vcap/jobs/example | true",
        "/this/is/an/unrestricted/path              | /var/vcap/jobs/example | false",
        "/anything                                  | /                      | true",
    })
    void isUnderOrEqual(String path, String dir, boolean under) {
        assertEquals(under, HostPath.isUnderOrEqual(path, dir));
    }

    /** isUnderOrEqual and depth walk the strings; they must say what the component lists say. */
    @Test
    void isUnderOrEqualAndDepthAgreeWithComponents() {
        List<String> paths = new java.util.ArrayList<>(List.of("", "/", "//", "a", "/a", "a/", "/a/", "//a//", "/ab", "/a/b",
                "/a//b/", "a/b", "/a/bc", "/a/b/c", "/ab/c", "/a/./b", "/a/../b", "/ü/b", "/a b/c"));
        java.util.Random rnd = new java.util.Random(15);
        String[] parts = {"/", "a", "b", "ab", "."};
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = rnd.nextInt(7); k > 0; k--) {
                b.append(parts[rnd.nextInt(parts.length)]);
            }
            paths.add(b.toString());
        }
        for (String path : paths) {
            assertEquals(HostPath.components(path).size(), HostPath.depth(path), path);
            for (String dir : paths) {
                List<String> p = HostPath.components(path);
                List<String> d = HostPath.components(dir);
                assertEquals(p.size() >= d.size() && p.subList(0, d.size()).equals(d), HostPath.isUnderOrEqual(path, dir),
                        path + " under " + dir);
            }
        }
    }
}
