package io.bpm.compiler.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemorySizeTest {

    private static final String MESSAGE =
            "byte quantity must be a positive integer with a unit of measurement like M, MB, MiB, G, GiB, or GB";

    @ParameterizedTest(name = "\"{0}\" = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        // bpm-behaviour.md §3.5
        "100G    | 107374182400",
        "743M    | 779091968",
        "1KiB    | 1024",
        "1Mb     | 1048576",
        ".5G     | 536870912",
        "1.5g    | 1610612736",
        "+1K     | 1024",
        "0M      | 0",
        // every unit spelling, all binary
        "5B      | 5",
        "5K      | 5120",
        "5KB     | 5120",
        "5kib    | 5120",
        "5M      | 5242880",
        "5mb     | 5242880",
        "5MiB    | 5242880",
        "2G      | 2147483648",
        "2GB     | 2147483648",
        "2GiB    | 2147483648",
        "3T      | 3298534883328",
        "3TB     | 3298534883328",
        "3tib    | 3298534883328",
        "4P      | 4503599627370496",
        "4PB     | 4503599627370496",
        "4PiB    | 4503599627370496",
        "5E      | 5764607523034234880",
        "5EB     | 5764607523034234880",
        "5EiB    | 5764607523034234880",
        // bytefmt's own float cases
        "13.5KB  | 13824",
        "4.5KB   | 4608",
        // Go ParseFloat syntax: trailing dot, leading dot, signs, zeros, digit separators
        "1.M     | 1048576",
        "+.5K    | 512",
        "007M    | 7340032",
        "1_000M  | 1048576000",
        "1_0.5K  | 10752",
        "-0M     | 0",
        "-0.0G   | 0",
        "0.0B    | 0",
        // 'e' starts the unit: 1e is one exbibyte, not an exponent
        "1e      | 1152921504606846976",
        // truncation toward zero after float64 rounding
        "1.5B    | 1",
        "0.9B    | 0",
        "0.1K    | 102",
        "0.0000001B | 0",
        "7.999999999999999E | 9223372036854774784",
        "9223372036854774784B | 9223372036854774784",
        // white space: Go's TrimSpace set, which is wider than Java's strip()
        "' \t\n\r 5MB '      | 5242880",
        "'\u00a01G\u0085'    | 1073741824",
        "'\u3000\u20281K\u2009' | 1024",
        // Go upper-cases rune by rune: dotless i becomes I
        "1kıb    | 1024",
    })
    void accepted(String text, long bytes) {
        assertEquals(new MemorySize.Bytes(bytes), MemorySize.parse(text));
    }

    @Test
    void almostEightExbibytesIsStillAValue() {
        MemorySize.Bytes b = assertInstanceOf(MemorySize.Bytes.class, MemorySize.parse("7.99E"));
        long expected = new BigDecimal(7.99).multiply(BigDecimal.TWO.pow(60)).longValue();
        assertEquals(expected, b.value());
        assertEquals(9211842821808707584L, b.value());
    }

    @ParameterizedTest(name = "\"{0}\" is refused")
    @ValueSource(strings = {
        // bpm-behaviour.md §3.5
        "1024", "1 G", "1e3M", "-1M", "1X", "",
        // no number, or not Go float syntax
        "   ", "M", "G", ".M", "+M", "-M", "+-1M", "1..5M", "1.5.M", "1.2.3G", "--1M",
        "_1M", "1_M", "1__0M", "1_.5M", "1._5M", "+_1M",
        "0x10M", "1,5M", "1'000M", "１G", "٣M", "1\u00a0G", "1\tG",
        // unknown or doubled units
        "1MBB", "5BB", "1KIBB", "1Gi", "1MI", "1KK", "1BB", "1bytes", "1 GiB", "1ß", "1Ĳ",
        // letters parse as units, never as numbers
        "NaN", "nanM", "infM", "InfinityB", "1INFG",
        // negative values
        "-5MB", "-0.5G", "-1e",
    })
    void refused(String text) {
        assertEquals(new MemorySize.Invalid(MESSAGE), MemorySize.parse(text));
    }

    @Test
    void tooLargeForAFloat64IsRefusedAsGoReportsErrRange() {
        assertEquals(new MemorySize.Invalid(MESSAGE), MemorySize.parse("1" + "0".repeat(400) + "B"));
    }

    @Test
    void bpmMessageConstant() {
        assertEquals(MESSAGE, MemorySize.BPM_MESSAGE);
    }

    @ParameterizedTest(name = "\"{0}\" overflows")
    @CsvSource(delimiter = '|', value = {
        "8E                  | 9223372036854775808",
        "8EiB                | 9223372036854775808",
        "8192P               | 9223372036854775808",
        "16E                 | 18446744073709551616",
        "9999E               | 11528062124563862913024",
        "7.9999999999999999E | 9223372036854775808",
        "9223372036854775807B | 9223372036854775808",
        "8388608T            | 9223372036854775808",
    })
    void overflow(String text, String exact) {
        MemorySize.Overflow o = assertInstanceOf(MemorySize.Overflow.class, MemorySize.parse(text));
        assertEquals(0, new BigDecimal(exact).compareTo(o.value()), o.value().toPlainString());
    }

    @Test
    void overflowBeyondFloat64RangeStillReportsTheExactValue() {
        // 1e300 is a finite double, but times 2^60 Go's float64 product is +Inf
        MemorySize.Overflow o = assertInstanceOf(MemorySize.Overflow.class,
                MemorySize.parse("1" + "0".repeat(300) + "E"));
        assertEquals(0, new BigDecimal(1e300).multiply(BigDecimal.TWO.pow(60)).compareTo(o.value()));
    }

    @Test
    void largestValueBelowTwoToTheSixtyThree() {
        assertEquals(new MemorySize.Bytes(Long.MAX_VALUE - 1023), MemorySize.parse("9223372036854774784B"));
        assertEquals(new MemorySize.Bytes(8191L << 50), MemorySize.parse("8191P"));
    }
}
