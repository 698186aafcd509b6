package io.bpm.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Numbers are converted in time linear in their length (found by the fuzz harness,
 * io.bpm.compiler.fuzz): BigInteger's parsing is quadratic, and a float's exponent must not be
 * expanded into its digits.
 */
class DecoderBoundsTest {

    @Test
    void moreThanAHundredDigitsAreOutOfRangeUnconverted() {
        assertEquals(Decoder.TOO_BIG, Decoder.parseGoInt("9".repeat(1 << 20)));
        assertEquals(Decoder.TOO_BIG.negate(), Decoder.parseGoInt("-0x" + "f".repeat(1 << 20)));
        assertEquals(Decoder.TOO_BIG, Decoder.parseGoInt("0b" + "1".repeat(101)));
        // leading zeros are not significant: 2^64-1 with zeros in front is still exact (a leading 0 means octal)
        assertEquals(new BigInteger("18446744073709551615"), Decoder.parseGoInt("0".repeat(1000) + "1777777777777777777777"));
        assertEquals(new BigInteger("18446744073709551615"), Decoder.parseGoInt("0x" + "0".repeat(1000) + "ffffffffffffffff"));
        assertEquals(BigInteger.valueOf(0777), Decoder.parseGoInt("0777"));
    }

    @Test
    void floatsAreTruncatedWithoutExpandingTheExponent() {
        assertEquals(new Decoder.Truncated(Decoder.TOO_BIG, true), Decoder.truncate("1e999999999999999999999999"));
        assertEquals(new Decoder.Truncated(Decoder.TOO_BIG.negate(), true), Decoder.truncate("-1e999999999"));
        assertEquals(new Decoder.Truncated(BigInteger.ZERO, false), Decoder.truncate("1e-999999999999999999999"));
        assertEquals(new Decoder.Truncated(BigInteger.ZERO, true), Decoder.truncate("0.000e999999999999999999"));
        assertEquals(new Decoder.Truncated(BigInteger.valueOf(-1500), true), Decoder.truncate("-1.5e3"));
        assertEquals(new Decoder.Truncated(BigInteger.valueOf(12), true), Decoder.truncate("12.e-0"));
        assertEquals(new Decoder.Truncated(BigInteger.valueOf(12), false), Decoder.truncate("125e-1"));
        assertEquals(new Decoder.Truncated(BigInteger.valueOf(12), false), Decoder.truncate("+12.5"));
        assertEquals(new Decoder.Truncated(BigInteger.ZERO, false), Decoder.truncate(".5"));
        assertEquals(new Decoder.Truncated(new BigInteger("1" + "0".repeat(99)), true), Decoder.truncate("1e99"));
        assertEquals(new Decoder.Truncated(Decoder.TOO_BIG, true), Decoder.truncate("1e100")); // 101 digits
        assertEquals(new Decoder.Truncated(BigInteger.ONE, false), Decoder.truncate("1." + "5".repeat(1 << 20)));
    }
}
