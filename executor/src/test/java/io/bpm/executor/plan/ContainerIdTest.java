package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerIdTest {

    /** runc's id rule, as bpm's own test checks it. */
    private static final Pattern RUNC_ID = Pattern.compile("^[\\w+\\-.]+$");

    private static void assertValidRuncId(String id) {
        assertTrue(RUNC_ID.matcher(id).matches(), id);
        // runc also refuses ids that are not a single clean path element
        assertEquals("/" + id, HostPath.clean("/" + id), id);
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "''                          | bpm-",
        "_                           | bpm-_",
        "test-server                 | bpm-test-server",
        "test-server.alt-test-server | bpm-test-server.2ealt-test-server",
        "test-server!@*&             | bpm-test-server.21.40.2a.26",
        "test_server                 | bpm-test_server",
        "a b/c                       | bpm-a.20b.2fc",
        "ünï                         | bpm-.c3.bcn.c3.af",
        "AZaz09                      | bpm-AZaz09",
        "~+                          | bpm-.7e.2b",
        "..                          | bpm-.2e.2e",
    })
    void encodeTable(String source, String id) {
        assertEquals(id, ContainerId.encode(source));
        assertValidRuncId(id);
        assertEquals(source, ContainerId.decode(id));
    }

    @Test
    void encodeEscapesControlAndHighBytesWithLowercaseHex() {
        assertEquals("bpm-.00.0a.7f", ContainerId.encode("\0\n\u007f"));
        assertEquals("bpm-.ff.fe", ContainerId.encode(new byte[] {(byte) 0xff, (byte) 0xfe}));
        assertEquals("bpm-.f0.9f.98.80", ContainerId.encode("\uD83D\uDE00"));
    }

    @ParameterizedTest(name = "{0}/{1} -> {2}")
    @CsvSource({
        "foo, foo, bpm-foo, foo",
        "foo, bar, bpm-foo.2ebar, foo.bar",
        "web, web, bpm-web, web",
        "test-server, alt-test-server, bpm-test-server.2ealt-test-server, test-server.alt-test-server",
    })
    void jobAndProcess(String job, String process, String id, String decoded) {
        assertEquals(id, ContainerId.encode(job, process));
        assertEquals(decoded, ContainerId.decode(id));
    }

    @Test
    void dottedNamesAreAmbiguousAsInBpm() {
        assertEquals("bpm-a.2eb.2ec", ContainerId.encode("a.b", "c"));
        assertEquals(ContainerId.encode("a.b", "c"), ContainerId.encode("a", "b.c"));
    }

    @ParameterizedTest(name = "{0} -> \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "bpm-                              | ''",
        "bpm-test-server                   | test-server",
        "bpm-test-server.2ealt-test-server | test-server.alt-test-server",
        "bpm-test-server.21.40.2a.26       | test-server!@*&",
        "bpm-test_server                   | test_server",
        // Go's encoding/hex accepts upper case too
        "bpm-a.2Eb.2Fc                     | a.b/c",
        // invalid hex escapes are dropped silently, with their two characters
        "bpm-a.zzb                         | ab",
        "bpm-.g1x                          | x",
        "bpm-.2g.2e                        | .",
        "bpm-a..2eb                        | aeb",
        // characters outside the encoding alphabet are copied
        "bpm-a b!                          | a b!",
        "bpm-bpm-x                         | bpm-x",
    })
    void decodeTable(String id, String source) {
        assertEquals(source, ContainerId.decode(id));
    }

    @Test
    void decodeKeepsRawBytes() {
        assertArrayEquals(new byte[] {(byte) 0xff, 'a'}, ContainerId.decodeBytes("bpm-.ffa"));
        assertEquals("\uFFFDa", ContainerId.decode("bpm-.ffa"));
        assertArrayEquals("ü".getBytes(StandardCharsets.UTF_8), ContainerId.decodeBytes("bpm-ü"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "unknown       | invalid job ID (missing prefix): \"unknown\"",
        "''            | invalid job ID (missing prefix): \"\"",
        "bpm           | invalid job ID (missing prefix): \"bpm\"",
        "BPM-x         | invalid job ID (missing prefix): \"BPM-x\"",
        "' bpm-x'      | invalid job ID (missing prefix): \" bpm-x\"",
        "bpm-.         | invalid job ID (incomplete escape sequence): \".\"",
        "bpm-abc.      | invalid job ID (incomplete escape sequence): \"abc.\"",
        // bpm panics on these (slice out of range); we report them like a trailing dot
        "bpm-.a        | invalid job ID (incomplete escape sequence): \".a\"",
        "bpm-abc.2     | invalid job ID (incomplete escape sequence): \"abc.2\"",
        "bpm-.2e.2     | invalid job ID (incomplete escape sequence): \".2e.2\"",
    })
    void decodeErrors(String id, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContainerId.decode(id));
        assertEquals(message, e.getMessage());
    }

    @Test
    void errorMessagesQuoteLikeGo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContainerId.decode("x\n\t\"\\é\u0001\u007f\u00a0\u200b\uD83D\uDE00"));
        assertEquals("invalid job ID (missing prefix): \"x\\n\\t\\\"\\\\é\\x01\\x7f\\u00a0\\u200b\uD83D\uDE00\"",
                e.getMessage());
    }

    @Test
    void bpmsEdgeCaseRoundTrips() {
        String source = "someinput\u0006aroundtheproblem";
        String id = ContainerId.encode(source);
        assertEquals("bpm-someinput.06aroundtheproblem", id);
        assertValidRuncId(id);
        assertEquals(source, ContainerId.decode(id));
    }

    @Test
    void anyStringRoundTripsToAValidRuncId() {
        Random random = new Random(20240611L);
        for (int n = 0; n < 5_000; n++) {
            String source = randomString(random);
            String id = ContainerId.encode(source);
            assertValidRuncId(id);
            assertEquals(source, ContainerId.decode(id), () -> "round trip of " + id);
        }
    }

    @Test
    void anyByteSequenceRoundTrips() {
        Random random = new Random(7L);
        for (int n = 0; n < 2_000; n++) {
            byte[] source = new byte[random.nextInt(40)];
            random.nextBytes(source);
            String id = ContainerId.encode(source);
            assertValidRuncId(id);
            assertArrayEquals(source, ContainerId.decodeBytes(id));
        }
    }

    /** Strings mixing ASCII, controls, the escape character, Latin-1, BMP and astral code points. */
    private static String randomString(Random random) {
        StringBuilder b = new StringBuilder();
        int length = random.nextInt(30);
        for (int i = 0; i < length; i++) {
            int cp = switch (random.nextInt(7)) {
                case 0 -> random.nextInt(0x20);                  // control characters, NUL included
                case 1 -> 0x20 + random.nextInt(0x5f);           // printable ASCII
                case 2 -> '.';                                   // the escape character itself
                case 3 -> 0x80 + random.nextInt(0x780);          // two-byte UTF-8
                case 4 -> 0x800 + random.nextInt(0xd800 - 0x800); // three-byte, below surrogates
                case 5 -> 0xe000 + random.nextInt(0x10000 - 0xe000);
                default -> 0x10000 + random.nextInt(0x10ffff - 0x10000); // four-byte
            };
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    @Test
    void lockNameAlwaysIncludesTheProcess() {
        assertEquals("job-bpm-web.2eweb.lock", ContainerId.lockName("web", "web"));
        assertEquals("job-bpm-job.2eprocess.lock", ContainerId.lockName("job", "process"));
        assertNotEquals(ContainerId.lockName("job", "process"), ContainerId.lockName("other", "process"));
        assertEquals("job-bpm-a.20b.2e.c3.bc.lock", ContainerId.lockName("a b", "ü"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/var/vcap/data/volume1 | vol-58e4e6350e3be5d6bff3f487dfe86e3515fe97db60450b731caef434d63cb3fa.lock",
        "''                     | vol-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.lock",
        "/var/vcap/data/ünï     | vol-a512b12d06b5b4ce697f6e37233c60e30075027a75db31c462bb9d1f0195d835.lock",
    })
    void volumeLockNameIsSha256OfThePath(String path, String name) {
        assertEquals(name, ContainerId.volumeLockName(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/var/vcap/data/volume2", "/var/vcap/data/volume1/", "var/vcap/data/volume1"})
    void volumeLockNamesDifferPerPathString(String path) {
        assertNotEquals(ContainerId.volumeLockName("/var/vcap/data/volume1"), ContainerId.volumeLockName(path));
    }
}
