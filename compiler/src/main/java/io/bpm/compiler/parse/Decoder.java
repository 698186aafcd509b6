package io.bpm.compiler.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.parse.YNode.Entry;
import io.bpm.compiler.parse.YNode.YMap;
import io.bpm.compiler.parse.YNode.YScalar;
import io.bpm.compiler.parse.YNode.YSeq;
import io.bpm.compiler.schema.BpmSchema;
import io.bpm.compiler.schema.FieldKind;
import io.bpm.compiler.schema.SchemaFindings;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Types the YAML tree the way bpm's Go structs receive it from yaml.v3, producing the JSON
 * document the schema validates and the model is built from. The kind of each key comes from
 * the schema; the conversions are yaml.v3's:
 * <ul>
 *   <li>string keys take any scalar as its literal text ({@code 2424}, {@code true}, {@code 10:30});</li>
 *   <li>integer keys take decimal, 0x/0o/0b, leading-zero octal, {@code _} separators and
 *       float forms, which bpm truncates (reported as {@link Rule#FLOAT_TRUNCATED});</li>
 *   <li>boolean keys take true/false and the YAML 1.1 words yes/no/on/off/y/n;</li>
 *   <li>a quoted value is always a string, so {@code open_files: "10"} is a type error, as in bpm.</li>
 * </ul>
 * A value that does not convert is passed on as a string so the schema reports the type error.
 */
public final class Decoder {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** yaml.v3's float syntax (resolve.go yamlStyleFloat). */
    private static final Pattern YAML_FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    /** Keys that bpm's Go structs declare as uint64: a negative value is a decode error there. */
    private static final Set<String> UNSIGNED = Set.of("open_files", "core_file_size");

    private final BpmSchema schema;
    private final Findings findings;
    private final Locations locations = new Locations();

    private Decoder(BpmSchema schema, Findings findings) {
        this.schema = schema;
        this.findings = findings;
    }

    public record Decoded(JsonNode document, Locations locations) {
    }

    public static Decoded decode(YNode root, BpmSchema schema, Findings findings) {
        Decoder d = new Decoder(schema, findings);
        JsonNode doc = d.convert(root, new ArrayList<>(), "", null);
        return new Decoded(doc == null ? JSON.nullNode() : doc, d.locations);
    }

    /** Returns null when the value is to be treated as absent. */
    private JsonNode convert(YNode node, List<Object> path, String pointer, String keyName) {
        locations.value(pointer, node.span());
        FieldKind kind = path.isEmpty() ? FieldKind.MAPPING : schema.kindAt(path);
        if (node instanceof YScalar s && s.isNull()) return onNull(kind, path, pointer, keyName);
        return switch (node) {
            case YMap m -> {
                ObjectNode obj = JSON.objectNode();
                for (Entry e : m.entries()) {
                    String key = e.key().text();
                    String child = pointer + "/" + YamlReader.escape(key);
                    locations.key(child, e.key().span());
                    path.add(key);
                    JsonNode v = convert(e.value(), path, child, key);
                    // a key the schema does not know stays, even empty ("enviroment:"), so it is reported
                    if (v == null && !schema.knows(path)) v = JSON.nullNode();
                    path.removeLast();
                    if (v != null) obj.set(key, v);
                }
                yield obj;
            }
            case YSeq q -> {
                ArrayNode arr = JSON.arrayNode();
                int i = 0;
                for (YNode item : q.items()) {
                    path.add(i);
                    // A null item stays as JSON null so indices match the file; the finding
                    // already made for it explains it, and the model skips it as bpm does.
                    JsonNode v = convert(item, path, pointer + "/" + i, keyName);
                    path.removeLast();
                    i++;
                    arr.add(v == null ? JSON.nullNode() : v);
                }
                yield arr;
            }
            case YScalar s -> scalar(s, kind, pointer, keyName);
        };
    }

    private JsonNode onNull(FieldKind kind, List<Object> path, String pointer, String keyName) {
        boolean listItem = !path.isEmpty() && path.getLast() instanceof Integer;
        if (listItem && kind == FieldKind.MAPPING) {
            findings.report(Rule.NULL_ITEM, locations.valueOf(pointer), pointer,
                    SchemaFindings.describe(path) + " is empty",
                    "remove the lone '-' or give the item its keys; bpm crashes on an empty process entry");
            return null;
        }
        switch (kind) {
            case STRING -> {
                String where = SchemaFindings.describe(path);
                if (listItem) {
                    findings.report(Rule.NULL_VALUE, locations.valueOf(pointer), pointer,
                            where + " is empty (null); bpm drops it",
                            "remove the item, or quote it (\"\") if an empty argument is meant");
                    return null;
                }
                if (!"name".equals(keyName) && !"executable".equals(keyName)) {
                    findings.report(Rule.NULL_VALUE, locations.valueOf(pointer), pointer,
                            where + " is empty (null); bpm takes it as an empty string",
                            "give it a value, or write \"\" if an empty string is meant");
                }
                return JSON.textNode("");
            }
            case INTEGER, BOOLEAN -> {
                findings.report(Rule.NULL_VALUE, locations.valueOf(pointer), pointer,
                        SchemaFindings.describe(path) + " is empty (null), so it has no effect",
                        "give it a value or remove the key");
                return null;
            }
            default -> {
                return null; // an empty mapping or list, or an unknown key: as if absent
            }
        }
    }

    private JsonNode scalar(YScalar s, FieldKind kind, String pointer, String keyName) {
        String text = s.text();
        return switch (kind) {
            case STRING -> JSON.textNode(text);
            case INTEGER -> s.quoted() ? JSON.textNode(text) : integer(text, pointer, keyName);
            case BOOLEAN -> s.quoted() ? JSON.textNode(text) : bool(text);
            case MAPPING, LIST -> JSON.textNode(text);
            case UNKNOWN -> s.quoted() ? JSON.textNode(text) : core(text);
        };
    }

    private JsonNode integer(String text, String pointer, String keyName) {
        String plain = text.replace("_", "");
        BigInteger value = parseGoInt(plain);
        if (value == null && YAML_FLOAT.matcher(plain).matches()) {
            Truncated t = truncate(plain);
            value = t.value();
            if (!t.exact() && value.abs().compareTo(TOO_BIG) < 0) {
                findings.report(Rule.FLOAT_TRUNCATED, locations.valueOf(pointer), pointer,
                        keyName + " is " + text + ", not a whole number; bpm silently truncates it to " + value,
                        "write the whole number you mean", value.toString());
            }
        }
        if (value == null) return JSON.textNode(text); // the schema reports the type
        boolean unsigned = UNSIGNED.contains(keyName);
        if (unsigned && value.signum() < 0) {
            findings.report(Rule.WRONG_TYPE, locations.valueOf(pointer), pointer,
                    keyName + " is " + text + ", but bpm reads it as an unsigned number and refuses a negative value",
                    "use a positive number");
            return null;
        }
        if (value.compareTo(unsigned ? UINT64_MAX : INT64_MAX) > 0 || value.compareTo(INT64_MIN) < 0) {
            findings.report(Rule.WRONG_TYPE, locations.valueOf(pointer), pointer,
                    keyName + " is " + text + ", which does not fit in a " + (unsigned ? "64-bit unsigned" : "64-bit signed") + " number",
                    "use a smaller value");
            return null;
        }
        return JSON.numberNode(value);
    }

    /**
     * Go's strconv.ParseInt/ParseUint with base 0, on a string whose '_' are removed. A number
     * of more than {@value #MAX_DIGITS} significant digits is beyond any 64-bit range whatever
     * its digits, and is returned as {@link #TOO_BIG} (with its sign) without being converted:
     * converting a megabyte of digits takes minutes (BigInteger's parsing is quadratic).
     */
    static BigInteger parseGoInt(String s) {
        if (s.isEmpty()) return null;
        boolean negative = false;
        String body = s;
        if (body.startsWith("+") || body.startsWith("-")) {
            negative = body.startsWith("-");
            body = body.substring(1);
        }
        int radix = 10;
        String lower = body.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) { radix = 16; body = body.substring(2); }
        else if (lower.startsWith("0o")) { radix = 8; body = body.substring(2); }
        else if (lower.startsWith("0b")) { radix = 2; body = body.substring(2); }
        else if (body.length() > 1 && body.startsWith("0")) { radix = 8; body = body.substring(1); }
        if (body.isEmpty()) return null;
        for (int i = 0; i < body.length(); i++) {
            if (Character.digit(body.charAt(i), radix) < 0 || body.charAt(i) > 127) return null;
        }
        int first = 0;
        while (first < body.length() - 1 && body.charAt(first) == '0') first++;
        BigInteger v = body.length() - first > MAX_DIGITS ? TOO_BIG : new BigInteger(body.substring(first), radix);
        return negative ? v.negate() : v;
    }

    /** A float literal's integer part (truncated toward zero), and whether that is its exact value. */
    record Truncated(BigInteger value, boolean exact) {
    }

    /**
     * The integer part of a YAML float literal ({@link #YAML_FLOAT}), as Go's conversion of the
     * float to an integer field truncates it, in time linear in its length: a literal whose
     * integer part has more than {@value #MAX_DIGITS} digits is {@link #TOO_BIG} (1e999999999
     * would otherwise build a billion-digit number), one whose integer part is 0 is 0.
     */
    static Truncated truncate(String literal) {
        String s = literal;
        boolean negative = s.startsWith("-");
        if (s.startsWith("-") || s.startsWith("+")) s = s.substring(1);
        int e = Math.max(s.indexOf('e'), s.indexOf('E'));
        String mantissa = e < 0 ? s : s.substring(0, e);
        String exponentText = e < 0 ? "0" : s.substring(e + 1);
        int dot = mantissa.indexOf('.');
        String digits = dot < 0 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
        long pointAt = dot < 0 ? mantissa.length() : dot; // digits before the decimal point
        int lead = 0;
        while (lead < digits.length() && digits.charAt(lead) == '0') lead++;
        if (lead == digits.length()) return new Truncated(BigInteger.ZERO, true); // zero, whatever the exponent
        String significant = digits.substring(lead);
        // the exponent: beyond 18 digits it is out of every range anyway
        String expDigits = exponentText.startsWith("-") || exponentText.startsWith("+") ? exponentText.substring(1) : exponentText;
        int expLead = 0;
        while (expLead < expDigits.length() - 1 && expDigits.charAt(expLead) == '0') expLead++;
        expDigits = expDigits.substring(expLead);
        boolean expNegative = exponentText.startsWith("-");
        long exponent = expDigits.length() > 18 ? (expNegative ? -1L << 60 : 1L << 60)
                : (expNegative ? -Long.parseLong(expDigits) : Long.parseLong(expDigits));
        long integerDigits = pointAt - lead + exponent; // digits of the integer part
        if (integerDigits > MAX_DIGITS) return new Truncated(negative ? TOO_BIG.negate() : TOO_BIG, true);
        if (integerDigits <= 0) return new Truncated(BigInteger.ZERO, false);
        int n = (int) integerDigits;
        String whole = significant.length() >= n ? significant.substring(0, n) : significant + "0".repeat(n - significant.length());
        boolean exact = true;
        for (int i = n; i < significant.length() && exact; i++) exact = significant.charAt(i) == '0';
        BigInteger v = new BigInteger(whole);
        return new Truncated(negative ? v.negate() : v, exact);
    }

    /** More significant digits than any number bpm can take needs (2^64 has 64 binary digits). */
    static final int MAX_DIGITS = 100;
    /** What a number of more than {@link #MAX_DIGITS} digits is taken as: out of every range. */
    static final BigInteger TOO_BIG = BigInteger.TEN.pow(MAX_DIGITS);

    private static JsonNode bool(String text) {
        return switch (text) {
            case "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON" -> JSON.booleanNode(true);
            case "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF" -> JSON.booleanNode(false);
            default -> JSON.textNode(text);
        };
    }

    /** YAML 1.2 core resolution for keys bpm does not know (only shown in messages). */
    private static JsonNode core(String text) {
        switch (text) {
            case "true", "True", "TRUE": return JSON.booleanNode(true);
            case "false", "False", "FALSE": return JSON.booleanNode(false);
            default: break;
        }
        BigInteger i = parseGoInt(text.replace("_", ""));
        if (i != null && i.abs().compareTo(TOO_BIG) < 0) return JSON.numberNode(i); // a huge one stays text: only shown
        return JSON.textNode(text);
    }
}
