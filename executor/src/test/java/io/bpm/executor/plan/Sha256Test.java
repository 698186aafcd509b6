package io.bpm.executor.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class Sha256Test {

    @Test
    void theStandardsVectors() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex(""));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex("abc"));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    }

    /** Every length around the padding's block boundaries, and some large inputs, against the JDK's. */
    @Test
    void agreesWithTheJdkOnEveryLengthAroundTheBlockBoundaries() throws Exception {
        Random random = new Random(4711);
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        for (int length = 0; length <= 300; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            assertArrayEquals(jdk.digest(data), Sha256.digest(data), "length " + length);
        }
        for (int length : new int[] {4095, 4096, 65_536 + 55, 1_000_003}) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            assertArrayEquals(jdk.digest(data), Sha256.digest(data), "length " + length);
        }
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(Sha256.digest(s.getBytes(StandardCharsets.US_ASCII)));
    }
}
